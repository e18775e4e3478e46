"""Models built from the Keras layers beyond the core ones, written once against a
`keras` module argument so that flowgraph.keras and real tf_keras (TF 2.21, v1 graph
mode) build the very same models. `run_case` fixes the weights (seeded, by position),
feeds seeded inputs and records what both sides must agree on: weight names and shapes,
output shapes, layer names and config keys, predictions, training-phase outputs and
moving statistics after one update, and gradients of a fixed loss."""
import numpy as np


def _conv1d(k):
    L = k.layers
    x = k.Input(shape=(7, 2))
    return [x], [L.Conv1D(3, 3, padding="causal", dilation_rate=2, activation="relu")(x),
                 L.Conv1D(2, 2, strides=2, padding="same")(x)]


def _conv2d(k):
    L = k.layers
    x = k.Input(shape=(6, 5, 3))
    return [x], [L.Conv2D(4, (3, 2), strides=(2, 1), padding="same")(x),
                 L.Conv2D(2, 3, dilation_rate=2, activation="tanh")(x)]


def _conv3d(k):
    x = k.Input(shape=(4, 4, 4, 2))
    return [x], [k.layers.Conv3D(2, 2, strides=(1, 2, 1))(x)]


def _conv2d_transpose(k):
    L = k.layers
    x = k.Input(shape=(4, 3, 2))
    return [x], [L.Conv2DTranspose(3, 3, strides=2, padding="same")(x),
                 L.Conv2DTranspose(2, (2, 3), strides=(2, 1))(x),
                 L.Conv2DTranspose(2, 3, strides=2, output_padding=1)(x)]


def _separable(k):
    L = k.layers
    x = k.Input(shape=(5, 5, 2))
    return [x], [L.SeparableConv2D(3, 3, depth_multiplier=2, padding="same")(x),
                 L.DepthwiseConv2D(3, depth_multiplier=2, strides=2)(x)]


def _pooling(k):
    L = k.layers
    s, im = k.Input(shape=(6, 3)), k.Input(shape=(5, 7, 2))
    return [s, im], [L.MaxPooling1D()(s), L.AveragePooling1D(3, strides=1, padding="same")(s),
                     L.MaxPooling2D((2, 3), padding="same")(im), L.AveragePooling2D()(im),
                     L.GlobalMaxPooling1D()(s), L.GlobalAveragePooling1D()(s),
                     L.GlobalMaxPooling2D()(im), L.GlobalAveragePooling2D(keepdims=True)(im)]


def _reshaping(k):
    L = k.layers
    s, im = k.Input(shape=(6, 3)), k.Input(shape=(5, 4, 2))
    return [s, im], [L.ZeroPadding1D((1, 2))(s), L.Cropping1D((2, 1))(s),
                     L.UpSampling1D(3)(s), L.ZeroPadding2D(((1, 0), (2, 1)))(im),
                     L.Cropping2D(((1, 2), (0, 1)))(im), L.UpSampling2D((2, 3))(im),
                     L.UpSampling2D((3, 2), interpolation="bilinear")(im)]


def _batchnorm(k):
    L = k.layers
    v, im, seq = k.Input(shape=(4,)), k.Input(shape=(3, 3, 4)), k.Input(shape=(3, 5))
    return [v, im, seq], [L.BatchNormalization()(L.Dense(4)(v)),
                          L.BatchNormalization(momentum=0.9, epsilon=0.01)(im),
                          L.BatchNormalization(axis=1, center=False)(seq)]


def _embedding_lstm(k):
    L = k.layers
    x = k.Input(shape=(5,), dtype="int32")
    e = L.Embedding(10, 4, mask_zero=True)(x)
    return [x], [L.LSTM(3, return_sequences=True)(e), L.GRU(2)(e)]


def _simple_rnn(k):
    x = k.Input(shape=(4, 3))
    return [x], [k.layers.SimpleRNN(3, return_sequences=True)(x),
                 k.layers.SimpleRNN(2, go_backwards=True, unroll=True, activation="relu")(x)]


def _lstm(k):
    x = k.Input(shape=(5, 3))
    return [x], k.layers.LSTM(4, return_state=True)(x) + [
        k.layers.LSTM(2, go_backwards=True, unroll=True, return_sequences=True)(x)]


def _gru(k):
    x = k.Input(shape=(5, 3))
    return [x], [k.layers.GRU(3, return_sequences=True)(x),
                 k.layers.GRU(2, reset_after=False, go_backwards=True)(x)]


def _masked_rnn(k):
    L = k.layers
    x = k.Input(shape=(5, 3))
    m = L.Masking(0.0)(x)
    return [x], [L.LSTM(3, return_sequences=True)(m), L.SimpleRNN(2)(m),
                 L.GRU(2, return_sequences=True)(m)]


def _rnn_cells(k):
    L = k.layers
    x = k.Input(shape=(4, 3))
    return [x], [L.RNN(L.LSTMCell(3))(x),
                 L.RNN([L.SimpleRNNCell(3), L.GRUCell(2)], return_sequences=True)(x)]


def _initial_state(k):
    L = k.layers
    x, h, c = k.Input(shape=(4, 3)), k.Input(shape=(2,)), k.Input(shape=(2,))
    return [x, h, c], [L.LSTM(2)(x, initial_state=[h, c]), L.GRU(2)(x, initial_state=[h])]


def _bidirectional(k):
    L = k.layers
    x = k.Input(shape=(4, 3))
    return [x], [L.Bidirectional(L.LSTM(3, return_sequences=True))(x),
                 L.Bidirectional(L.GRU(2), merge_mode="sum")(x)]


def _time_distributed(k):
    L = k.layers
    x = k.Input(shape=(4, 3))
    return [x], [L.TimeDistributed(L.Dense(2, activation="sigmoid"))(x)]


def _merge(k):
    L = k.layers
    a, b, c = k.Input(shape=(3,)), k.Input(shape=(3,)), k.Input(shape=(2, 3))
    return [a, b, c], [L.add([a, b]), L.subtract([a, b]), L.multiply([a, b]),
                       L.average([a, b]), L.maximum([a, b]), L.minimum([a, b]),
                       L.concatenate([a, b]), L.Concatenate(axis=1)([c, c]),
                       L.dot([a, b], axes=1), L.Dot(axes=1, normalize=True)([a, b]),
                       L.Dot(axes=(2, 2))([c, c])]


def _activations(k):
    L = k.layers
    x = k.Input(shape=(4, 3))
    return [x], [L.LeakyReLU()(x), L.PReLU(shared_axes=[1])(x), L.ELU(0.5)(x),
                 L.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.2)(x),
                 L.ThresholdedReLU(0.3)(x), L.Softmax()(x), L.Softmax(axis=1)(x)]


def _noise(k):
    L = k.layers
    x, im = k.Input(shape=(4, 3)), k.Input(shape=(3, 3, 2))
    return [x, im], [L.GaussianNoise(0.5)(x), L.GaussianDropout(0.3)(x),
                     L.AlphaDropout(0.3)(x), L.SpatialDropout1D(0.5)(x),
                     L.SpatialDropout2D(0.5)(im)]


# name: (builder, options); options: grad (compare gradients), train (run the
# training phase with the updates once), ints (vocabulary size of int inputs).
CASES = {
    "conv1d": (_conv1d, {"grad": True}),
    "conv2d": (_conv2d, {"grad": True}),
    "conv3d": (_conv3d, {}),
    "conv2d_transpose": (_conv2d_transpose, {"grad": True}),
    "separable": (_separable, {"grad": True}),
    "pooling": (_pooling, {"grad": True}),
    "reshaping": (_reshaping, {"grad": True}),
    "batchnorm": (_batchnorm, {"grad": True, "train": True}),
    "embedding_lstm": (_embedding_lstm, {"grad": True, "ints": 10, "zeros_tail": True}),
    "simple_rnn": (_simple_rnn, {"grad": True}),
    "lstm": (_lstm, {"grad": True}),
    "gru": (_gru, {"grad": True}),
    "masked_rnn": (_masked_rnn, {"grad": True, "zero_steps": True}),
    "rnn_cells": (_rnn_cells, {}),
    "initial_state": (_initial_state, {"grad": True}),
    "bidirectional": (_bidirectional, {"grad": True}),
    "time_distributed": (_time_distributed, {"grad": True}),
    "merge": (_merge, {"grad": True}),
    "activations": (_activations, {"grad": True}),
    "noise": (_noise, {}),
}


def _weight_value(i, name, shape):
    rng = np.random.RandomState(1000 + i)
    if "moving_variance" in name:
        return rng.uniform(0.5, 1.5, shape).astype("float32")
    return rng.uniform(-0.6, 0.6, shape).astype("float32")


def _input_values(model, opts):
    xs = []
    for j, t in enumerate(model.inputs):
        shape = [2] + [int(d) for d in t.shape.as_list()[1:]]
        rng = np.random.RandomState(100 + j)
        if opts.get("ints"):
            v = rng.randint(1, opts["ints"], shape).astype("int32")
            if opts.get("zeros_tail"):
                v[0, -2:] = 0
            xs.append(v)
        else:
            v = rng.uniform(-1.5, 1.5, shape).astype("float32")
            if opts.get("zero_steps"):
                v[0, 1] = 0.0
                v[1, -1] = 0.0
            xs.append(v)
    return xs


def _shape_list(s):
    if isinstance(s, list):
        return [_shape_list(x) for x in s]
    return [None if d is None else int(d) for d in tuple(s)]


def _output_shapes(model):
    shapes = model.output_shape
    if not isinstance(shapes, list) or (shapes and not isinstance(shapes[0], (list, tuple))):
        shapes = [shapes]
    return [_shape_list(s) for s in shapes]


def run_case(keras, name):
    """Builds case `name` with `keras`, returns (json-able facts, named arrays)."""
    K = keras.backend
    build, opts = CASES[name]
    inputs, outputs = build(keras)
    model = keras.Model(inputs, outputs)
    weights = model.weights
    model.set_weights([_weight_value(i, w.name, tuple(w.shape.as_list()))
                       for i, w in enumerate(weights)])
    xs = _input_values(model, opts)
    facts = {
        "weight_names": [w.name for w in weights],
        "weight_shapes": [w.shape.as_list() for w in weights],
        "trainable": [w.name for w in model.trainable_weights],
        "output_shape": _output_shapes(model),
        "layers": [[type(layer).__name__, layer.name, sorted(layer.get_config())]
                   for layer in model.layers if type(layer).__name__ != "InputLayer"],
    }
    arrays = {}
    preds = model.predict(xs)
    preds = preds if isinstance(preds, list) else [preds]
    for i, p in enumerate(preds):
        arrays[f"pred{i}"] = p
    if opts.get("grad"):
        loss = 0
        for i, out in enumerate(model.outputs):
            coef = K.constant(np.random.RandomState(7 + i).uniform(
                0.5, 1.5, [1] + [int(d) for d in out.shape.as_list()[1:]]).astype("float32"))
            loss = loss + K.sum(K.square(out) * coef)
        # (an embedding's gradient is IndexedSlices in TF: left out)
        targets = [w for w in model.trainable_weights if "embeddings" not in w.name] + \
            [t for t in model.inputs if t.dtype.name.startswith("float")]
        grads = K.gradients(loss, targets)
        values = K.function(model.inputs, grads)(xs)
        for i, g in enumerate(values):
            arrays[f"grad{i}"] = np.asarray(g)
    if opts.get("train"):
        lp = K.learning_phase()
        fn = K.function(model.inputs + [lp], model.outputs, updates=model.updates)
        outs = fn(xs + [1])
        for i, o in enumerate(outs):
            arrays[f"train{i}"] = o
        for i, w in enumerate(model.get_weights()):
            arrays[f"after{i}"] = w
    return facts, arrays


def h5_model(keras):
    """A model using most layer families, for the HDF5 round trips with real Keras."""
    L = keras.layers
    im = keras.Input(shape=(6, 6, 2), name="image")
    seq = keras.Input(shape=(5,), dtype="int32", name="tokens")
    a = L.Conv2D(3, 3, padding="same", activation="relu")(im)
    a = L.BatchNormalization()(a)
    a = L.MaxPooling2D()(a)
    a = L.SeparableConv2D(2, 2)(a)
    a = L.DepthwiseConv2D(2, padding="same")(a)
    a = L.GlobalAveragePooling2D()(a)
    b = L.Embedding(8, 3, mask_zero=True)(seq)
    b = L.Bidirectional(L.LSTM(2, return_sequences=True))(b)
    b = L.GRU(2)(b)
    b = L.PReLU()(b)
    out = L.Dense(1)(L.concatenate([a, b]))
    model = keras.Model([im, seq], out)
    model.set_weights([_weight_value(i, w.name, tuple(w.shape.as_list()))
                       for i, w in enumerate(model.weights)])
    return model


def h5_inputs():
    rng = np.random.RandomState(5)
    tokens = rng.randint(1, 8, (3, 5)).astype("int32")
    tokens[0, 3:] = 0
    return [rng.uniform(-1, 1, (3, 6, 6, 2)).astype("float32"), tokens]
