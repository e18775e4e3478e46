"""CI mode: a fixed seed and a fixed number of programs (deterministic), failing on any
difference from real TensorFlow not listed in KNOWN_DIFFERENCES, with the shrunk program."""
import pytest

pytest.importorskip("tensorflow")

from tests.conformance.differential.runner import (frameworks, report_failure,  # noqa: E402
                                                   run_one)

SEED = 20261207
PROGRAMS = 700


def test_no_unexplained_differences():
    tf1, fg = frameworks()
    for i in range(PROGRAMS):
        prog, new, _ = run_one(SEED, i, tf1, fg)
        if new:
            _, _, text = report_failure(prog, new, tf1, fg)
            pytest.fail(f"program {i} of seed {SEED} differs from TF:\n{text}")


def test_generator_is_deterministic():
    tf1, fg = frameworks()
    a, _, _ = run_one(SEED, 3, tf1, fg)
    b, _, _ = run_one(SEED, 3, tf1, fg)
    assert a.lines() == b.lines() and a.snippet() == b.snippet()


def test_shrinker_finds_a_small_program():
    """A difference planted in the comparison (flowgraph's Tanh "wrong") shrinks to one op."""
    from tests.conformance.differential import compare, shrink
    tf1, fg = frameworks()
    real = compare.compare

    def planted(prog, tfo, fgo):
        ds = real(prog, tfo, fgo)
        return ds + [compare.Difference("planted", n.name, n.key, "tanh")
                     for n in prog.outputs() if "tf.tanh(" in n.code]
    shrink.compare = planted
    try:
        for i in range(200):
            prog, _, _ = run_one(SEED + 1, i, tf1, fg)
            if any("tf.tanh(" in n.code for n in prog.outputs()) and len(prog.outputs()) > 2:
                break
        small, ds = shrink.shrink(prog, "planted", tf1, fg)
    finally:
        shrink.compare = real
    assert ds and len(small.outputs()) == 1 and "tf.tanh(" in small.outputs()[0].code
    assert "import flowgraph as tf" in small.snippet()
