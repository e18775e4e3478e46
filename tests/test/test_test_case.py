"""tf.test.TestCase / tf.test.main: the same test module passes and fails the same way under
flowgraph and under real TF's tf.compat.v1."""
import subprocess
import sys
import textwrap

import pytest

TEST_MODULE = textwrap.dedent('''
    import numpy as np
    IMPORT

    class T(tf.test.TestCase):
        def test_fresh_graph(self):
            self.assertEqual(len(tf.get_default_graph().get_operations()), 0)
            tf.constant(1.0)

        def test_fresh_graph_again(self):
            self.assertEqual(len(tf.get_default_graph().get_operations()), 0)

        def test_seeds(self):
            self.assertEqual(tf.get_default_graph().seed, 87654321)
            self.assertEqual(np.random.randint(0, 10**6), RANDINT)

        def test_session_evaluate(self):
            x = tf.constant([1.0, 2.0])
            with self.cached_session() as sess:
                self.assertAllClose(sess.run(x * 2.0), [2.0, 4.0])
                self.assertIs(tf.get_default_session(), sess)
                self.assertAllEqual(self.evaluate(x), [1.0, 2.0])
                with self.cached_session() as again:
                    self.assertIs(again, sess)
            with self.session() as s2:
                self.assertAllClose(s2.run({"a": x}), {"a": np.array([1.0, 2.0])})

        def test_close_fails(self):
            with self.assertRaises(AssertionError):
                self.assertAllClose([1.0, 2.0], [1.0, 2.1])
            with self.assertRaises(AssertionError):
                self.assertAllEqual([1, 2], [1, 2, 3])
            self.assertAllClose([1.0, 2.0], [1.0, 2.0 + 1e-7])
            self.assertAllCloseAccordingToType(np.float32([1.0]), [1.0 + 1e-7])

        def test_ranges(self):
            self.assertAllInRange([1, 2, 3], 1, 3)
            with self.assertRaises(AssertionError):
                self.assertAllInRange([1, 2, 3], 1, 3, open_upper_bound=True)
            self.assertAllGreater([2, 3], 1)
            self.assertAllLess([2, 3], 4)
            self.assertAllInSet([1, 2, 1], {1, 2})
            self.assertNear(1.0, 1.05, 0.1)
            self.assertArrayNear([1.0, 2.0], [1.0, 2.01], 0.1)

        def test_op_error(self):
            x = tf.placeholder(tf.float32)
            with self.cached_session() as sess:
                with self.assertRaisesOpError("must feed a value"):
                    sess.run(x)

        def test_shape_dtype_proto(self):
            x = tf.placeholder(tf.float32, [2, 3])
            self.assertShapeEqual(np.zeros((2, 3)), x)
            self.assertDTypeEqual(np.float32([1]), np.float32)
            gd = tf.GraphDef()
            gd.node.add(name="a", op="NoOp")
            self.assertProtoEquals('node { name: "a" op: "NoOp" }', gd)
            self.assertStartsWith("hello", "he")
            self.assertDeviceEqual("/cpu:0", "/device:CPU:0")

        def test_temp_dir(self):
            import os
            self.assertTrue(os.path.isdir(self.get_temp_dir()))
            self.assertTrue(os.path.isdir(tf.test.get_temp_dir()))

        def test_meant_to_fail(self):
            self.assertAllEqual([1, 2], [1, 3])

    if __name__ == "__main__":
        tf.test.main()
''')


def _run(tmp_path, import_line):
    import numpy as np
    np.random.seed(87654321)
    src = TEST_MODULE.replace("IMPORT", import_line).replace(
        "RANDINT", str(np.random.randint(0, 10**6)))
    path = tmp_path / "t_mod.py"
    path.write_text(src)
    r = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                       timeout=300, env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin"},
                       cwd=tmp_path)
    lines = [ln.split(" (")[0] for ln in r.stderr.splitlines()
             if ln.startswith(("FAIL:", "ERROR: ", "Ran "))]
    return r.returncode, sorted(lines), r.stderr


def test_flowgraph_testcase(tmp_path):
    rc, results, err = _run(tmp_path, "import flowgraph as tf")
    assert rc == 1, err                       # test_meant_to_fail fails, so main exits 1
    assert [r[:12] for r in results] == ["FAIL: test_m", "Ran 11 tests"], err


def test_same_as_tensorflow(tmp_path):
    pytest.importorskip("tensorflow")
    ours = _run(tmp_path, "import flowgraph as tf")
    theirs = _run(tmp_path, "import tensorflow.compat.v1 as tf\ntf.disable_v2_behavior()")
    assert (ours[0], [r[:12] for r in ours[1]]) == \
        (theirs[0], [r[:12] for r in theirs[1]]), theirs[2]
