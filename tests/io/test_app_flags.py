"""tf.app.flags / tf.flags (absl) and tf.app.run."""
import subprocess
import sys
import textwrap

import flowgraph as tf


def _run(code, *args):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args],
                          capture_output=True, text=True)


def test_flags_are_absl_flags():
    from absl import flags as absl_flags
    assert tf.app.flags.DEFINE_integer is absl_flags.DEFINE_integer
    assert tf.flags is tf.app.flags
    tf.flags.DEFINE_string("fg_test_flag", "v", "a flag for this test")
    assert isinstance(tf.flags.FLAGS["fg_test_flag"], absl_flags.Flag)
    assert "fg_test_flag" in tf.flags.FLAGS and "fg_test_flag" in absl_flags.FLAGS


def test_reading_a_flag_parses_argv_first():
    out = _run("""
        import sys
        import flowgraph as tf
        tf.app.flags.DEFINE_integer("steps", 10, "number of steps")
        tf.app.flags.DEFINE_string("name", "x", "a name")
        tf.app.flags.DEFINE_boolean("fast", False, "go fast")
        print(tf.app.flags.FLAGS.steps, tf.app.flags.FLAGS.name, tf.app.flags.FLAGS.fast)
        """, "--steps=5", "--fast", "--unknown=1")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["5", "x", "True"]


def test_app_run_calls_main_with_remaining_argv_and_exits():
    out = _run("""
        import flowgraph as tf
        FLAGS = tf.flags.FLAGS
        tf.flags.DEFINE_float("lr", 0.1, "learning rate")

        def main(argv):
            print("main", argv[1:], FLAGS.lr)
            return 3
        tf.app.run(main)
        """, "--lr=0.5", "extra")
    assert out.returncode == 3, out.stderr
    assert out.stdout.strip() == "main ['extra'] 0.5"


def test_app_run_finds_main_in_main_module():
    out = _run("""
        import flowgraph as tf
        def main(argv):
            print("hello", len(argv))
        if __name__ == "__main__":
            tf.app.run()
        """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "hello 1"


def test_bad_flag_value_fails():
    out = _run("""
        import flowgraph as tf
        tf.flags.DEFINE_integer("n", 1, "n")
        tf.app.run(lambda argv: 0)
        """, "--n=notanumber")
    assert out.returncode != 0
    assert "n" in out.stderr
