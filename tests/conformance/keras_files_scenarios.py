"""Models built the same way in flowgraph and in tf_keras for the file tests
(test_keras_files.py): each `build(keras)` takes the Keras module (flowgraph.keras or
tf_keras) and returns (compiled model, x, y)."""

import numpy as np

RNG = np.random.RandomState(3)
X5 = RNG.rand(16, 5).astype("float32")
Y3 = np.eye(3, dtype="float32")[np.arange(16) % 3]
X4 = RNG.rand(16, 4).astype("float32")
YA = RNG.rand(16, 2).astype("float32")
YB = (np.arange(16) % 2).astype("float32").reshape(16, 1)


def _opt(keras, name, *args, **kwargs):
    """Keras's v1-graph-mode optimizers (tf_keras: `optimizers.legacy`)."""
    return getattr(getattr(keras.optimizers, "legacy", keras.optimizers), name)(*args, **kwargs)


def mlp(keras):
    layers = keras.layers
    m = keras.Sequential([layers.Dense(8, activation="relu", input_shape=(5,)),
                          layers.Dropout(0.3), layers.Dense(3),
                          layers.Activation("softmax")])
    m.compile(optimizer=_opt(keras, "Adam", 0.01), loss="categorical_crossentropy",
              metrics=["accuracy"])
    return m, X5, Y3


def two_outputs(keras):
    layers = keras.layers
    inputs = layers.Input((4,), name="features")
    h = layers.Dense(6, activation="tanh", name="hidden")(inputs)
    flat = layers.Flatten()(layers.Reshape((2, 3))(h))
    out_a = layers.Dense(2, name="out_a")(flat)
    out_b = layers.Dense(1, activation="sigmoid", name="out_b")(h)
    m = keras.Model(inputs, [out_a, out_b], name="two_heads")
    m.compile(optimizer=_opt(keras, "RMSprop", 0.005), loss=["mse", "binary_crossentropy"],
              loss_weights=[1.0, 0.5])
    return m, X4, [YA, YB]


def sgd(keras):
    layers = keras.layers
    m = keras.Sequential([layers.Dense(4, input_shape=(5,), use_bias=False),
                          layers.Dense(2, activation="sigmoid", name="top")])
    m.compile(optimizer=_opt(keras, "SGD", 0.1, momentum=0.9,
                                         nesterov=True), loss="mse")
    return m, X5, Y3[:, :2]


def frozen(keras):
    """A frozen layer (its weights are non-trainable, saved after the trainable ones)."""
    layers = keras.layers
    m = keras.Sequential([layers.Dense(6, activation="relu", input_shape=(5,)),
                          layers.Dense(4, name="frozen"),
                          layers.Dense(2, activation="softmax", name="head")])
    m.layers[1].trainable = False
    m.compile(optimizer=_opt(keras, "Adagrad", 0.1), loss="sparse_categorical_crossentropy",
              metrics=["sparse_categorical_accuracy"])
    return m, X5, (np.arange(16) % 2).astype("float32")


XI = RNG.rand(16, 8, 8, 2).astype("float32")
XT = RNG.randint(1, 20, (16, 6)).astype("int32")
XS = RNG.rand(16, 6, 4).astype("float32")


def cnn(keras):
    layers = keras.layers
    m = keras.Sequential([layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 2)),
                          layers.BatchNormalization(), layers.MaxPooling2D(),
                          layers.Flatten(), layers.Dense(3, activation="softmax")])
    m.compile(optimizer=_opt(keras, "Adam", 0.01), loss="categorical_crossentropy",
              metrics=["accuracy"])
    return m, XI, Y3


def rnn(keras):
    layers = keras.layers
    m = keras.Sequential([layers.Embedding(20, 4, input_length=6),
                          layers.LSTM(5, return_sequences=True), layers.GRU(3),
                          layers.Dense(1)])
    m.compile(optimizer=_opt(keras, "RMSprop", 0.01), loss="mse")
    return m, XT, YB


def bidirectional_merge(keras):
    layers = keras.layers
    seq = layers.Input((6, 4), name="seq")
    side = layers.Input((3,), name="side")
    a = layers.Bidirectional(layers.SimpleRNN(2))(seq)
    b = layers.Dense(4, name="side_dense")(side)
    merged = layers.Concatenate()([a, layers.Add()([a, b])])
    out = layers.Dense(1, activation="sigmoid", name="out")(merged)
    m = keras.Model([seq, side], out)
    m.compile(optimizer=_opt(keras, "SGD", 0.05, momentum=0.5), loss="binary_crossentropy")
    return m, [XS, X4[:, :3]], YB


SCENARIOS = {"mlp": mlp, "two_outputs": two_outputs, "sgd": sgd,
             "frozen": frozen, "cnn": cnn, "rnn": rnn,
             "bidirectional_merge": bidirectional_merge}


def h5_layout(h5py, path):
    """Every group/dataset path of an HDF5 file with its attr names and (for datasets)
    shape and dtype; `weight_names`/`layer_names` attr values as lists of str."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            entry = {"attrs": sorted(obj.attrs.keys())}
            for key in ("weight_names", "layer_names"):
                if key in obj.attrs:
                    entry[key] = [v.decode() if hasattr(v, "decode") else str(v)
                                  for v in obj.attrs[key]]
            if isinstance(obj, h5py.Dataset):
                entry["shape"] = list(obj.shape)
                entry["dtype"] = str(obj.dtype)
            out[name] = entry
        visit("/", f)
        f.visititems(visit)
    return out
