"""`tf.logging` (TF1): Python logging on the "flowgraph" logger, whose messages (also those
of the training hooks) print to stderr as `INFO:flowgraph:message` once a program uses this
module, unless the application configured logging itself. The verbosity starts at WARN, as
in TF."""
import logging as _logging
import sys

DEBUG, INFO, WARN, ERROR, FATAL = 10, 20, 30, 40, 50

_counts = {}  # call site -> how many times it was reached (log_every_n, log_first_n)


def _logger():
    logger = _logging.getLogger("flowgraph")
    if not logger.handlers and not _logging.getLogger().handlers:
        handler = _logging.StreamHandler(sys.stderr)
        handler.setFormatter(_logging.Formatter(_logging.BASIC_FORMAT))
        logger.addHandler(handler)
    return logger


def log(level, msg, *args, **kwargs):
    _logger().log(level, msg, *args, **kwargs)


def debug(msg, *args, **kwargs):
    _logger().debug(msg, *args, **kwargs)


def info(msg, *args, **kwargs):
    _logger().info(msg, *args, **kwargs)


def warning(msg, *args, **kwargs):
    _logger().warning(msg, *args, **kwargs)


warn = warning


def error(msg, *args, **kwargs):
    _logger().error(msg, *args, **kwargs)


def fatal(msg, *args, **kwargs):
    _logger().fatal(msg, *args, **kwargs)


def vlog(level, msg, *args, **kwargs):
    _logger().log(level, msg, *args, **kwargs)


def _count_call_site():
    frame = sys._getframe(2)
    key = (frame.f_code.co_filename, frame.f_lineno)
    _counts[key] = _counts.get(key, -1) + 1
    return _counts[key]


def log_every_n(level, msg, n, *args):
    """Logs the 1st, (n+1)th, (2n+1)th... time this line is reached."""
    if _count_call_site() % n == 0:
        log(level, msg, *args)


def log_first_n(level, msg, n, *args):
    """Logs only the first `n` times this line is reached."""
    if _count_call_site() < n:
        log(level, msg, *args)


def log_if(level, msg, condition, *args):
    if condition:
        log(level, msg, *args)


def TaskLevelStatusMessage(msg):  # noqa: N802 (TF's name)
    error(msg)


def flush():
    for handler in _logger().handlers:
        handler.flush()


def get_verbosity():
    return _logger().getEffectiveLevel()


def set_verbosity(v):
    _logger().setLevel(v)
