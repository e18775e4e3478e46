"""`tf.app`: `tf.app.flags` (absl flags) and `tf.app.run(main, argv)`."""
import sys as _sys

from absl import app as _absl_app

from flowgraph.app import flags  # noqa: F401

__all__ = ["flags", "run"]


def _parse_flags_tolerate_undef(argv):
    """Parses known flags; the rest of argv (program name first) goes to `main`."""
    return flags.FLAGS(_sys.argv if argv is None else argv, known_only=True)


def run(main=None, argv=None):
    """Parses the command-line flags, then calls `main(argv)` and exits with its return
    value (`main` defaults to `__main__.main`)."""
    main = main or _sys.modules["__main__"].main
    _absl_app.run(main=main, argv=argv, flags_parser=_parse_flags_tolerate_undef)
