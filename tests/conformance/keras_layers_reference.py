"""Runs the cases of keras_layers_cases.py in real tf_keras (TF 2.21, v1 graph mode) and
writes what they produce to `<out>/ref.json` + `<out>/ref.npz`. Run in its own process
(`python keras_layers_reference.py OUT`) so TF's global v1 switch stays out of the
test process."""
import json
import sys
import traceback

import numpy as np


def main(out):
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    tf.logging.set_verbosity(tf.logging.ERROR)
    import tf_keras as keras
    from keras_layers_cases import CASES, run_case
    results, arrays = {}, {}
    for name in CASES:
        keras.backend.clear_session()
        try:
            facts, arr = run_case(keras, name)
        except Exception:  # recorded, so the test of that case reports it
            results[name] = {"error": traceback.format_exc()}
            continue
        results[name] = facts
        for k, v in arr.items():
            arrays[f"{name}/{k}"] = np.asarray(v)
    with open(f"{out}/ref.json", "w") as f:
        json.dump(results, f)
    np.savez(f"{out}/ref.npz", **arrays)


if __name__ == "__main__":
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    main(sys.argv[1])
