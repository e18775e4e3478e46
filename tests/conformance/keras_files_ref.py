"""The tf_keras side of test_keras_files.py, run in its own process (TF's v1 switch is
global): `python keras_files_ref.py DIR`.

For each scenario: loads flowgraph's files from DIR (`fg_<name>.h5` model,
`fg_<name>_w.h5` weights, `fg_<name>_ckpt` TF checkpoint) and predicts; then builds,
trains one epoch and saves its own (`tf_<name>...`) with its predictions. Writes
DIR/ref.json and DIR/ref.npz."""

import json
import os
import sys


def main(out):
    import numpy as np
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    tf.logging.set_verbosity(tf.logging.ERROR)
    import h5py
    import tf_keras as keras

    from keras_files_scenarios import SCENARIOS, h5_layout

    results, arrays = {}, {}
    for name, build in SCENARIOS.items():
        res = results[name] = {}
        if os.path.exists(os.path.join(out, "fg_%s.h5" % name)):
            keras.backend.clear_session()
            m = keras.models.load_model(os.path.join(out, "fg_%s.h5" % name))
            _, x, _ = build(keras)
            arrays[name + "/load_model"] = _flat(m.predict(x))
            res["optimizer"] = type(m.optimizer).__name__
            res["optimizer_config"] = {k: (float(v) if isinstance(v, (float, np.floating))
                                           else v)
                                       for k, v in m.optimizer.get_config().items()}
            res["loss"] = m.loss if isinstance(m.loss, (str, list, dict)) else str(m.loss)
            opt = m.optimizer.get_weights()
            for i, v in enumerate(opt):
                arrays["%s/opt_%d" % (name, i)] = np.asarray(v)
            res["n_opt"] = len(opt)
            for suffix in ("_w.h5", "_ckpt"):
                keras.backend.clear_session()
                fresh, x, _ = build(keras)
                fresh.load_weights(os.path.join(out, "fg_%s%s" % (name, suffix)))
                arrays["%s/load_weights%s" % (name, suffix)] = _flat(fresh.predict(x))
        keras.backend.clear_session()
        m, x, y = build(keras)
        m.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
        arrays[name + "/pred"] = _flat(m.predict(x))
        for i, v in enumerate(m.get_weights()):
            arrays["%s/w_%d" % (name, i)] = v
        for i, v in enumerate(m.optimizer.get_weights()):
            arrays["%s/tf_opt_%d" % (name, i)] = np.asarray(v)
        m.save(os.path.join(out, "tf_%s.h5" % name))
        m.save_weights(os.path.join(out, "tf_%s_w.h5" % name))
        m.save_weights(os.path.join(out, "tf_%s_ckpt" % name))
        res["ckpt_keys"] = sorted(k for k, _ in tf.train.list_variables(
            os.path.join(out, "tf_%s_ckpt" % name)))
        res["layout_model"] = h5_layout(h5py, os.path.join(out, "tf_%s.h5" % name))
        res["layout_weights"] = h5_layout(h5py, os.path.join(out, "tf_%s_w.h5" % name))
        with h5py.File(os.path.join(out, "tf_%s.h5" % name), "r") as f:
            res["training_config"] = json.loads(f.attrs["training_config"])
            res["model_config"] = json.loads(f.attrs["model_config"])
    with open(os.path.join(out, "ref.json"), "w") as f:
        json.dump(results, f, default=lambda o: getattr(o, "__name__", str(o)))
    np.savez(os.path.join(out, "ref.npz"), **arrays)


def _flat(pred):
    import numpy as np
    if isinstance(pred, list):
        return np.concatenate([np.asarray(p).reshape(len(p), -1) for p in pred], axis=1)
    return np.asarray(pred)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main(sys.argv[1])
