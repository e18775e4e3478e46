"""The tf_keras side of test_keras_layers_h5_tf.py: loads flowgraph's `.h5` files
(whole model, and weights into the same architecture) and predicts; builds the same model
itself and saves it. `python keras_layers_h5_reference.py DIR`."""
import sys

import numpy as np


def main(d):
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    tf.logging.set_verbosity(tf.logging.ERROR)
    import tf_keras as keras
    from keras_layers_cases import h5_inputs, h5_model
    xs = h5_inputs()
    loaded = keras.models.load_model(f"{d}/ours_model.h5", compile=False)
    np.save(f"{d}/theirs_on_ours_model.npy", loaded.predict(xs))
    keras.backend.clear_session()
    model = h5_model(keras)
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    model.load_weights(f"{d}/ours_weights.h5")
    np.save(f"{d}/theirs_on_ours_weights.npy", model.predict(xs))
    keras.backend.clear_session()
    model = h5_model(keras)
    np.save(f"{d}/theirs_pred.npy", model.predict(xs))
    model.save(f"{d}/theirs_model.h5")
    model.save_weights(f"{d}/theirs_weights.h5")


if __name__ == "__main__":
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    main(sys.argv[1])
