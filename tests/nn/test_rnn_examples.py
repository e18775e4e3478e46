"""The LSTM and GRU examples learn their memory tasks (a short run of each)."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(name, steps):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run([sys.executable, os.path.join(ROOT, "examples", name), str(steps)],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, f"{name} failed:\n{p.stdout}\n{p.stderr}"
    losses = [float(v) for v in re.findall(r"loss = ([0-9.]+)", p.stdout)]
    final = float(re.search(r"final test accuracy = ([0-9.]+)", p.stdout).group(1))
    return p.stdout, losses, final


def test_lstm_example_recalls_the_first_symbol():
    out, losses, acc = _run("lstm_sequence.py", 90)
    assert "variables: rnn/basic_lstm_cell/kernel rnn/basic_lstm_cell/bias" in out
    assert losses[-1] < losses[0] / 3
    assert acc > 0.9  # chance: 0.25


def test_gru_example_sums_variable_length_sequences():
    out, losses, acc = _run("gru_sequence.py", 90)
    assert "outputs past each sequence's end are zero: True" in out
    assert losses[-1] < losses[0] / 2
    assert acc > 0.9
