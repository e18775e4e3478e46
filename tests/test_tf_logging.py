"""tf.logging: TF1's logging functions on the "flowgraph" logger."""
import logging
import subprocess
import sys

import pytest

import flowgraph as tf


@pytest.fixture
def verbosity():
    old = tf.logging.get_verbosity()
    yield
    tf.logging.set_verbosity(old)


def test_levels_and_verbosity_as_in_tensorflow(verbosity):
    assert (tf.logging.DEBUG, tf.logging.INFO, tf.logging.WARN, tf.logging.ERROR,
            tf.logging.FATAL) == (10, 20, 30, 40, 50)
    tf.logging.set_verbosity(tf.logging.INFO)
    assert tf.logging.get_verbosity() == 20
    tfv1 = pytest.importorskip("tensorflow").compat.v1
    names = {n for n in dir(tfv1.logging) if not n.startswith("_")}
    assert names <= set(dir(tf.logging))


def test_messages_reach_the_flowgraph_logger_at_the_verbosity(verbosity, caplog):
    tf.logging.set_verbosity(tf.logging.WARN)
    with caplog.at_level(logging.NOTSET, logger="flowgraph"):
        tf.logging.set_verbosity(tf.logging.WARN)
        tf.logging.info("hidden %d", 1)
        tf.logging.warn("shown %d", 2)
        tf.logging.set_verbosity(tf.logging.INFO)
        tf.logging.info("now shown %s", "too")
        for i in range(7):
            tf.logging.log_every_n(tf.logging.INFO, "every %d", 3, i)
            tf.logging.log_first_n(tf.logging.INFO, "first %d", 2, i)
        tf.logging.log_if(tf.logging.INFO, "if %s", False, "no")
        tf.logging.log_if(tf.logging.ERROR, "if %s", True, "yes")
    got = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "flowgraph"]
    assert got == [(30, "shown 2"), (20, "now shown too"),
                   (20, "every 0"), (20, "first 0"), (20, "first 1"),
                   (20, "every 3"), (20, "every 6"), (40, "if yes")]


def test_info_prints_to_stderr_once_the_verbosity_allows():
    code = ("import flowgraph as tf\ntf.logging.set_verbosity(tf.logging.INFO)\n"
            "tf.logging.info('step %d', 5)\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0 and "INFO:flowgraph:step 5" in p.stderr
