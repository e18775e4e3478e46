"""Runs the Keras scenarios of test_keras_tf.py in real tf_keras (TF 2.21, v1 graph mode)
and writes what they produce to `<out>/ref.json` + `<out>/ref.npz`.

Run in its own process (`python keras_reference.py OUT`) so that TF's global v1 switch
does not leak into other tests. Each scenario is also written for flowgraph in
test_keras_tf.py: `build_*` functions here take the Keras modules as arguments so both
sides build the very same models."""
import contextlib
import io
import json
import sys

import numpy as np

from keras_scenarios import SCENARIOS  # noqa: E402 (same folder, on sys.path when run)


def main(out):
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    tf.logging.set_verbosity(tf.logging.ERROR)
    import tf_keras as keras
    results, arrays = {}, {}
    for name, fn in SCENARIOS.items():
        keras.backend.clear_session()
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            res, arr = fn(keras)
        res["stdout"] = buf.getvalue()
        results[name] = res
        for k, v in arr.items():
            arrays[f"{name}/{k}"] = np.asarray(v)
    with open(f"{out}/ref.json", "w") as f:
        json.dump(results, f, default=lambda o: o.item() if hasattr(o, "item") else
                  o.tolist() if hasattr(o, "tolist") else str(o))
    np.savez(f"{out}/ref.npz", **arrays)


if __name__ == "__main__":
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    main(sys.argv[1])
