"""keras.utils.Progbar prints exactly what tf_keras's Progbar prints, under one fake clock:
bars, ETAs (seconds, minutes, hours), per-step times, averaged and stateful values, the
`verbose=2` line and unknown targets."""
import time

import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("tf_keras")
from tf_keras.src.utils import generic_utils as tf_generic_utils  # noqa: E402

from flowgraph.keras.utils import generic_utils  # noqa: E402

SCRIPTS = {
    "seconds": (100, [(0, 0.0), (10, 0.3), (40, 1.1), (70, 1.5), (100, 2.0)]),
    "minutes": (1000, [(0, 0.0), (1, 5.0), (2, 9.0), (500, 700.0), (1000, 1400.0)]),
    "hours": (60000, [(0, 0.0), (1, 1.0), (2, 3.0), (3, 4.5), (60000, 90000.0)]),
    "unknown": (None, [(0, 0.0), (5, 0.2), (9, 0.5)]),
}


def _drive(module, monkeypatch, capsys, target, script, verbose, dynamic):
    clock = {"now": 1000.0}
    monkeypatch.setattr(time, "time", lambda: clock["now"])
    bar = module.Progbar(target, verbose=verbose, stateful_metrics=["acc"])
    bar._dynamic_display = dynamic
    for i, (step, t) in enumerate(script):
        clock["now"] = 1000.0 + t
        values = [("loss", 1.0 / (i + 1)), ("acc", 0.25 * i), ("tiny", 1e-5 * (i + 1))]
        bar.update(step, values)
    if target is None:
        bar.update(script[-1][0], [("loss", 0.1)], finalize=True)
    return capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(SCRIPTS))
@pytest.mark.parametrize("verbose", [1, 2])
def test_same_output_as_tf_keras(name, verbose, monkeypatch, capsys):
    target, script = SCRIPTS[name]
    if verbose == 2 and target is None:
        pytest.skip("verbose=2 needs a target")
    want = _drive(tf_generic_utils, monkeypatch, capsys, target, script, verbose, True)
    got = _drive(generic_utils, monkeypatch, capsys, target, script, verbose, True)
    assert got == want


def test_line_by_line_off_a_terminal(monkeypatch, capsys):
    """Off a terminal each update starts a new line instead of redrawing in place."""
    target, script = SCRIPTS["seconds"]
    want = _drive(tf_generic_utils, monkeypatch, capsys, target, script, 1, True)
    got = _drive(generic_utils, monkeypatch, capsys, target, script, 1, False)
    redrawn = [s.replace("\b", "").rstrip() for s in want.split("\r")]
    lines = [s.rstrip() for s in got.split("\n")]
    assert [s for s in lines if s] == [s for s in redrawn if s]
    assert "\b" not in got and "\r" not in got and got.startswith("\n")
