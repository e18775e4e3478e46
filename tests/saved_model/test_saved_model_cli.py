"""`python -m flowgraph.tools.saved_model_cli` prints what TF 2.21's saved_model_cli prints
(TF's own functions run in-process on the same directories; a printed Python set is
compared as a set, its order being the process's hash seed), and its `--input_exprs`
evaluator refuses anything but literals and the listed numpy calls."""
import ast
import os
import subprocess
import sys

import numpy as np
import pytest

import flowgraph as tf
from flowgraph.tools import safe_expr, saved_model_cli as cli

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """A flowgraph SavedModel with two meta graphs and three signatures."""
    d = str(tmp_path_factory.mktemp("cli") / "m")
    with tf.Graph().as_default(), tf.Session() as sess:
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        k = tf.placeholder(tf.int64, None, name="k")
        ex = tf.placeholder(tf.string, [None], name="examples")
        w = tf.Variable(np.array([[1.0], [2.0], [-1.0]], np.float32), name="w")
        y = tf.matmul(x, w, name="y")
        parsed = tf.parse_example(ex, {"a": tf.FixedLenFeature([2], tf.float32)})
        s = tf.reduce_sum(parsed["a"], axis=1, name="s")
        sess.run(tf.global_variables_initializer())
        sigs = {"serving_default": tf.saved_model.predict_signature_def(
            {"x": x}, {"y": y, "twice": tf.multiply(y, 2.0, name="twice")}),
            "ints": tf.saved_model.predict_signature_def({"k": k}, {"k1": k + 1}),
            "examples": tf.saved_model.regression_signature_def(ex, s)}
        b = tf.saved_model.builder.SavedModelBuilder(d)
        b.add_meta_graph_and_variables(sess, ["serve"], signature_def_map=sigs)
        b.add_meta_graph(["serve", "gpu"], signature_def_map={"ints": sigs["ints"]})
        b.save()
    return d


def _ours(capsys, *argv):
    cli.main(list(argv))
    return capsys.readouterr().out


def _normalize(text):
    """Lines ending in a printed set: the set parsed, so order does not matter."""
    out = []
    for line in text.splitlines():
        head, sep, tail = line.partition(": {")
        if sep and line.endswith("}"):
            out.append((head, frozenset(ast.literal_eval("{" + tail))))
        else:
            out.append(line)
    return out


def test_show_matches_tf(model_dir, capsys):
    pytest.importorskip("tensorflow")
    from tensorflow.python.tools import saved_model_cli as tcli
    cases = [(("--all",), lambda: tcli._show_all(model_dir)),
             ((), lambda: tcli._show_tag_sets(model_dir)),
             (("--tag_set", "serve"),
              lambda: tcli._show_signature_def_map_keys(model_dir, "serve")),
             (("--tag_set", "gpu,serve", "--signature_def", "ints"),
              lambda: tcli._show_inputs_outputs(model_dir, "gpu,serve", "ints")),
             (("--tag_set", "serve", "--list_ops"),
              lambda: tcli._show_ops_in_metagraph(model_dir, "serve"))]
    for args, theirs in cases:
        ours = _ours(capsys, "show", "--dir", model_dir, *args)
        if "--list_ops" in args:
            ours = ours.splitlines()[0]
        theirs()
        want = capsys.readouterr().out
        assert _normalize(ours) == _normalize(want), args
    assert "signature_def['examples']" in _ours(capsys, "show", "--dir", model_dir, "--all")


def test_run_matches_tf(model_dir, capsys, tmp_path):
    pytest.importorskip("tensorflow")
    from tensorflow.python.tools import saved_model_cli as tcli
    x = np.array([[1, 2, 3], [4, 5, 6.5]], np.float32)
    np.savez(tmp_path / "in.npz", a=x, b=x * 0)
    for key, argv, feeds in [
            ("serving_default", ["--input_exprs", "x=[[1,2,3],[4,5,6.5]]"], {"x": x}),
            ("serving_default", ["--inputs", f"x={tmp_path / 'in.npz'}[a]"], {"x": x}),
            ("ints", ["--input_exprs", "k=[1, 2, 3]"], {"k": [1, 2, 3]}),
            ("examples", ["--input_examples", 'inputs=[{"a": [1.0, 2.5]}, {"a": [3.0, 4.0]}]'],
             tcli.preprocess_input_examples_arg_string(
                 'inputs=[{"a": [1.0, 2.5]}, {"a": [3.0, 4.0]}]'))]:
        ours = _ours(capsys, "run", "--dir", model_dir, "--tag_set", "serve",
                     "--signature_def", key, *argv)
        with tf_graph_mode():
            tcli.run_saved_model_with_feed_dict(model_dir, "serve", key, feeds, None, False)
        assert ours == capsys.readouterr().out, key
    assert "Result for output key outputs:\n[3.5 7. ]" in ours


class tf_graph_mode:
    """TF's loader needs graph mode; restore eager afterwards (other tests use TF)."""

    def __enter__(self):
        import tensorflow as real
        self._g = real.Graph().as_default()
        self._g.__enter__()

    def __exit__(self, *exc):
        self._g.__exit__(*exc)


def test_run_outdir_and_errors(model_dir, capsys, tmp_path):
    out = str(tmp_path / "out")
    text = _ours(capsys, "run", "--dir", model_dir, "--tag_set", "serve", "--signature_def",
                 "serving_default", "--input_exprs", "x=np.ones((2, 3), np.float32)",
                 "--outdir", out)
    assert f"Output y is saved to {os.path.join(out, 'y.npy')}" in text
    np.testing.assert_allclose(np.load(os.path.join(out, "twice.npy")), [[4.0], [4.0]])
    with pytest.raises(RuntimeError, match="already exists. Add \"--overwrite\""):
        cli.main(["run", "--dir", model_dir, "--tag_set", "serve", "--signature_def",
                  "serving_default", "--input_exprs", "x=np.ones((1, 3))", "--outdir", out])
    with pytest.raises(ValueError, match='"z" is not a valid input key'):
        cli.main(["run", "--dir", model_dir, "--tag_set", "serve", "--signature_def",
                  "serving_default", "--input_exprs", "z=1"])
    with pytest.raises(ValueError, match='Could not find signature "nope"'):
        cli.main(["show", "--dir", model_dir, "--tag_set", "serve", "--signature_def", "nope"])
    with pytest.raises(RuntimeError, match="tag-set train could not be found"):
        cli.main(["show", "--dir", model_dir, "--tag_set", "train"])
    with pytest.raises(AttributeError, match="At least one of --inputs"):
        cli.main(["run", "--dir", model_dir, "--tag_set", "serve", "--signature_def", "ints"])
    with pytest.raises(RuntimeError, match="is not a valid python literal"):
        cli.main(["run", "--dir", model_dir, "--tag_set", "serve", "--signature_def",
                  "ints", "--input_exprs", "k=__import__('os').system('true')"])
    pickled = tmp_path / "p.npy"
    np.save(pickled, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(RuntimeError, match="pickle files are not read"):
        cli.main(["run", "--dir", model_dir, "--tag_set", "serve", "--signature_def",
                  "ints", "--inputs", f"k={pickled}"])


def test_module_entry_point(model_dir):
    env = dict(os.environ, PYTHONPATH=ROOT)
    p = subprocess.run([sys.executable, "-m", "flowgraph.tools.saved_model_cli", "show",
                        "--dir", model_dir], capture_output=True, text=True, env=env,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout == ("The given SavedModel contains the following tag-sets:\n"
                        "'serve'\n'gpu, serve'\n")  # sorted as stored: [serve] < [serve, gpu]


@pytest.mark.parametrize("expr, want", [
    ("[[1, 2], [3, 4]]", [[1, 2], [3, 4]]),
    ("np.arange(6).reshape(2, 3) / 2", np.arange(6).reshape(2, 3) / 2),
    ("np.ones((2, 3), dtype=np.float32) * -1.5", np.full((2, 3), -1.5, np.float32)),
    ("np.zeros([2]).astype(np.int64)", np.zeros(2, np.int64)),
    ("np.array(['a', 'b'])", np.array(["a", "b"])),
    ("np.linspace(0, 1, 5)[1:3]", np.linspace(0, 1, 5)[1:3]),
    ("{'a': [1.0, 2], 'b': (b'x', True, None)}", {"a": [1.0, 2], "b": (b"x", True, None)}),
    ("2 ** 10 + 1e-3", 1024.001),
])
def test_safe_expr_values(expr, want):
    got = safe_expr.evaluate(expr)
    if isinstance(want, np.ndarray):
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype
    else:
        assert got == want


@pytest.mark.parametrize("expr", [
    "__import__('os')", "open('/etc/passwd')", "(1).__class__.__mro__", "np.load('x.npy')",
    "np.ones(3).__array_interface__", "np.ones(3).tofile('x')", "np.random.seed(1)",
    "lambda: 0", "[x for x in range(3)]", "np.ones((10**6, 10**6))", "9 ** 9 ** 9",
    "[0] * 10 ** 9", "'a' * 10 ** 9", "np.arange(1e300)", "np.ones(10 ** 5)[:, None] * "
    "np.ones(10 ** 5)", "(" * 500 + ")" * 500, "getattr(np, 'load')", "np.float32.mro()",
    "np.full((2 ** 40,), 1)", "np.random.rand(10 ** 5, 10 ** 5)", "np.f2py", "x", "*[1]",
])
def test_safe_expr_refuses(expr):
    with pytest.raises(ValueError):
        safe_expr.evaluate(expr)


def test_unreadable_directories(tmp_path):
    with pytest.raises(OSError, match=f"^SavedModel file does not exist at: {tmp_path}$"):
        cli.main(["show", "--dir", str(tmp_path)])
    (tmp_path / "saved_model.pbtxt").write_text("meta_graphs { nonsense: 1 }")
    with pytest.raises(OSError, match="Cannot parse pbtxt file .*saved_model.pbtxt"):
        cli.main(["show", "--dir", str(tmp_path), "--all"])
    (tmp_path / "saved_model.pb").write_bytes(b"\x12\x05\x0a")
    with pytest.raises(OSError, match="Cannot parse proto file .*saved_model.pb"):
        cli.main(["show", "--dir", str(tmp_path)])
