"""Keras programs run unchanged by real tf_keras and by flowgraph.keras (the module is the
argument), each returning (a JSON-able dict, a dict of arrays) to compare."""
import numpy as np

RNG_SEED = 1234


def _data(n=48, d=8, k=3, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    labels = rng.randint(0, k, n)
    return x, labels, np.eye(k, dtype=np.float32)[labels]


def _weights(model, seed=1):
    """Fixed initial values for every weight, in `model.weights` order."""
    rng = np.random.RandomState(seed)
    return [rng.uniform(-0.5, 0.5, w.shape.as_list()).astype(np.float32)
            for w in model.weights]


def _legacy(keras):
    """The optimizers v1 graph-mode Keras trains with (tf_keras: `optimizers.legacy`)."""
    return getattr(keras.optimizers, "legacy", keras.optimizers)


def _hist(h):
    return {k: [float(v) for v in vs] for k, vs in h.history.items()}


def mlp_categorical(keras):
    layers = keras.layers
    model = keras.models.Sequential()
    model.add(layers.Dense(16, activation="relu", input_shape=(8,)))
    model.add(layers.Dense(3, activation="softmax"))
    model.set_weights(_weights(model))
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy",
                  metrics=["accuracy"])
    x, _, y = _data()
    before = model.predict(x)
    model.summary()
    h = model.fit(x[:40], y[:40], epochs=1, batch_size=16, shuffle=False,
                  validation_data=(x[40:], y[40:]), verbose=1)
    h2 = model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=2,
                   validation_split=0.25)
    ev = model.evaluate(x, y, batch_size=20, verbose=0)
    res = {"hist": _hist(h), "hist2": _hist(h2), "params": h2.params, "evaluate": ev,
           "metrics_names": model.metrics_names, "config": model.get_config(),
           "weight_names": [w.name for w in model.weights],
           "layer_names": [l.name for l in model.layers]}
    return res, {"before": before, "after": model.predict(x),
                 **{f"w{i}": w for i, w in enumerate(model.get_weights())}}


def sparse_deferred(keras):
    layers = keras.layers
    model = keras.Sequential([layers.Dense(12, activation="relu"),
                              layers.Dense(4, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    x, labels, _ = _data(k=4, seed=3)
    model.predict(x[:2])  # builds the model
    model.set_weights(_weights(model, seed=2))
    h = model.fit(x, labels, epochs=3, batch_size=10, shuffle=False, verbose=0)
    tob = model.train_on_batch(x[:10], labels[:10])
    teb = model.test_on_batch(x[10:20], labels[10:20])
    return ({"hist": _hist(h), "train_on_batch": tob, "test_on_batch": teb,
             "metrics_names": model.metrics_names},
            {"pred": model.predict(x[:10]), "pob": model.predict_on_batch(x[:5])})


def functional_multi(keras):
    layers = keras.layers
    a = keras.Input(shape=(8,), name="a")
    b = keras.Input(shape=(8,), name="b")
    shared = layers.Dense(6, activation="tanh", name="shared")
    ha, hb = shared(a), shared(b)
    merged = layers.Lambda(lambda t: t[0] - t[1], name="diff")([ha, hb])
    out1 = layers.Dense(3, activation="softmax", name="cls")(merged)
    out2 = layers.Dense(1, name="reg")(ha)
    model = keras.Model([a, b], [out1, out2], name="two_heads")
    model.set_weights(_weights(model, seed=5))
    model.compile(optimizer=_legacy(keras).SGD(learning_rate=0.1, momentum=0.9),
                  loss={"cls": "categorical_crossentropy", "reg": "mse"},
                  loss_weights={"cls": 1.0, "reg": 0.5}, metrics={"cls": ["acc"],
                                                                  "reg": ["mae"]})
    x, _, y = _data(seed=4)
    x2 = x[::-1].copy()
    r = x.sum(axis=1, keepdims=True)
    model.summary()
    h = model.fit([x, x2], [y, r], epochs=2, batch_size=12, shuffle=False, verbose=0)
    ev = model.evaluate({"a": x, "b": x2}, {"cls": y, "reg": r}, verbose=0)
    return ({"hist": _hist(h), "evaluate": ev, "metrics_names": model.metrics_names,
             "layer_names": [l.name for l in model.layers],
             "output_names": model.output_names},
            {"pred0": model.predict([x, x2])[0], "pred1": model.predict([x, x2])[1]})


def weighted(keras):
    layers = keras.layers
    model = keras.Sequential([layers.Dense(1, activation="sigmoid", input_shape=(8,))])
    model.set_weights(_weights(model, seed=6))
    model.compile("sgd", "binary_crossentropy", metrics=["acc", "mse"])
    x, labels, _ = _data(seed=7, k=2)
    sw = np.linspace(0.5, 2.0, len(x)).astype(np.float32)
    ev_sw = model.evaluate(x, labels, sample_weight=sw, verbose=0)
    h = model.fit(x, labels, epochs=2, batch_size=16, shuffle=False, verbose=0,
                  class_weight={0: 1.0, 1: 3.0})
    h2 = model.fit(x, labels, epochs=1, batch_size=16, shuffle=False, verbose=0,
                   sample_weight=sw, initial_epoch=0)
    return ({"evaluate_sw": ev_sw, "hist": _hist(h), "hist2": _hist(h2),
             "epoch": h.epoch}, {"pred": model.predict(x)})


def dropout_inference(keras):
    layers = keras.layers
    model = keras.Sequential([layers.Dense(5, input_shape=(8,)), layers.Dropout(0.5),
                              layers.Flatten(), layers.Reshape((5, 1)), layers.Permute((2, 1)),
                              layers.Flatten(), layers.RepeatVector(2), layers.Flatten(),
                              layers.Activation("sigmoid")])
    model.set_weights(_weights(model, seed=10))
    model.compile("sgd", "mse")
    x, _, _ = _data(seed=11)
    model.summary()
    ev = model.evaluate(x, np.zeros((48, 10), np.float32), verbose=0)
    return ({"evaluate": ev, "config": model.get_config()}, {"pred": model.predict(x)})


def generator_fit(keras):
    layers = keras.layers
    model = keras.Sequential([layers.Dense(3, activation="softmax", input_shape=(8,))])
    model.set_weights(_weights(model, seed=8))
    model.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    x, _, y = _data(seed=9)

    def gen():
        while True:
            for i in range(0, 48, 16):
                yield x[i:i + 16], y[i:i + 16]
    h = model.fit_generator(gen(), steps_per_epoch=3, epochs=2, verbose=1)
    ev = model.evaluate_generator(gen(), steps=3)
    pred = model.predict_generator((b[0] for b in gen()), steps=3)
    return {"hist": _hist(h), "evaluate": ev}, {"pred": pred}


def structure(keras):
    """Layer order, summaries and configs of a branching functional model, a nested
    Sequential and a subclassed model."""
    layers = keras.layers
    a, b = keras.Input(shape=(4,), name="a"), keras.Input(shape=(4,), name="b")
    d = layers.Dense(3, name="d")
    o = layers.Dense(2, name="o")(layers.Activation("relu")(d(a)))
    m = keras.Model([a, b], [o, d(b)])
    m.summary()
    inner = keras.Sequential([layers.Dense(3, input_shape=(4,)), layers.Dense(1)],
                             name="inner")
    x = keras.Input(shape=(4,))
    outer = keras.Model(x, layers.Dense(2)(inner(x)))
    outer.summary()

    class MyModel(keras.Model):
        def __init__(self):
            super().__init__()
            self.d1 = layers.Dense(8, activation="relu")
            self.d2 = layers.Dense(2, activation="softmax")

        def call(self, inputs, training=None):
            return self.d2(self.d1(inputs))
    mm = MyModel()
    mm.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    xs = np.ones((4, 5), np.float32)
    mm.fit(xs, np.array([0, 1, 0, 1]), verbose=0)
    mm.summary()
    return ({"layers": [l.name for l in m.layers], "config": m.get_config(),
             "outer_config": outer.get_config(), "outer_weights": [w.name for w in
                                                                   outer.weights],
             "sub_name": mm.name, "sub_weights": [w.name for w in mm.weights]}, {})


def updates_and_masks(keras):
    """BatchNormalization's moving statistics updated by fit; an Embedding with mask_zero
    feeding an LSTM (the mask travels through the engine)."""
    layers = keras.layers
    bn = keras.Sequential([layers.Dense(6, input_shape=(8,)), layers.BatchNormalization(),
                           layers.Activation("relu"), layers.Dense(3, activation="softmax")])
    bn.set_weights(_weights(bn, seed=12)[:2] + [np.ones(6, np.float32),
                                               np.zeros(6, np.float32),
                                               np.zeros(6, np.float32),
                                               np.ones(6, np.float32)] +
                   _weights(bn, seed=13)[6:])
    bn.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    x, _, y = _data(seed=14)
    h = bn.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    rng = np.random.RandomState(15)
    tokens = rng.randint(1, 20, (24, 7))
    tokens[:, 5:] = 0  # padding the mask hides
    seq = keras.Sequential([layers.Embedding(20, 4, mask_zero=True, input_length=7),
                            layers.LSTM(5), layers.Dense(1, activation="sigmoid")])
    seq.set_weights(_weights(seq, seed=16))
    seq.compile("rmsprop", "binary_crossentropy", metrics=["acc"])
    h2 = seq.fit(tokens, (tokens[:, 0] > 10).astype(np.float32), epochs=2, batch_size=8,
                 shuffle=False, verbose=0)
    return ({"bn_hist": _hist(h), "seq_hist": _hist(h2),
             "bn_weights": [w.name for w in bn.weights]},
            {"bn_pred": bn.predict(x), "bn_moving_mean": bn.get_weights()[4],
             "seq_pred": seq.predict(tokens)})


def _v1(keras):
    """The TF1 namespace that goes with `keras` (for tf.data)."""
    if keras.__name__.startswith("flowgraph"):
        import flowgraph
        return flowgraph.compat.v1
    import tensorflow.compat.v1 as tf
    return tf


def dataset_fit(keras):
    """fit/evaluate/predict on tf.data datasets: steps from the cardinality (known,
    unknown, infinite), validation datasets, sample weights in the elements, a dataset
    that runs out, deferred building, and Keras's errors."""
    D = _v1(keras).data.Dataset
    x, labels, y = _data(n=60)
    model = keras.models.Sequential([keras.layers.Dense(6, activation="relu",
                                                        input_shape=(8,)),
                                     keras.layers.Dense(3, activation="softmax")])
    model.set_weights(_weights(model))
    model.compile(_legacy(keras).SGD(0.1), "categorical_crossentropy", metrics=["accuracy"])
    ds = D.from_tensor_slices((x, y)).batch(16)
    unknown = D.from_tensor_slices((x, y)).filter(lambda a, b: b[0] > 0).batch(8)
    res = {"h1": _hist(model.fit(ds, epochs=2, verbose=1, shuffle=False)),
           "h2": _hist(model.fit(ds.repeat(), epochs=2, steps_per_epoch=3, verbose=2,
                                 validation_data=ds, shuffle=False)),
           "h3": _hist(model.fit(unknown, epochs=2, verbose=1, shuffle=False)),
           "h4": _hist(model.fit(ds, epochs=2, steps_per_epoch=3, verbose=0,
                                 shuffle=False)),
           "h5": _hist(model.fit(ds.shuffle(8, seed=1).map(lambda a, b: (a, b, b[:, 0]))
                                 .repeat(), steps_per_epoch=2, verbose=0)),
           "e1": model.evaluate(unknown, verbose=0), "e2": model.evaluate(ds, steps=2,
                                                                          verbose=0)}
    errors = []
    for call in (lambda: model.fit(ds.repeat(), verbose=0),
                 lambda: model.fit(ds, y, verbose=0),
                 lambda: model.fit(ds, batch_size=4, verbose=0),
                 lambda: model.fit(ds, validation_split=0.5, verbose=0),
                 lambda: model.fit(D.from_tensor_slices((x,)).batch(8), verbose=0),
                 lambda: model.evaluate(ds, steps=5, verbose=0)):
        try:
            call()
            errors.append(None)
        except ValueError as e:
            errors.append(str(e).split("Received")[0])
    res["errors"] = errors
    deferred = keras.models.Sequential([keras.layers.Dense(
        3, kernel_initializer=keras.initializers.Constant(0.1))])
    deferred.compile(_legacy(keras).SGD(0.1), "mse")
    res["deferred"] = _hist(deferred.fit(ds, epochs=1, verbose=0, shuffle=False))
    return res, {"p1": model.predict(unknown), "p2": model.predict(D.from_tensor_slices(x)
                                                                    .batch(25))}


SCENARIOS = {"updates_and_masks": updates_and_masks, "structure": structure,
             "mlp_categorical": mlp_categorical,
             "sparse_deferred": sparse_deferred, "functional_multi": functional_multi,
             "weighted": weighted, "dropout_inference": dropout_inference,
             "generator_fit": generator_fit, "dataset_fit": dataset_fit}
