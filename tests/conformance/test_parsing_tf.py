"""Parsing and decode ops against real TF: the same serialized records give the same
values, dtypes, static shapes and error classes; the protos are wire-compatible."""
import numpy as np
import pytest

import flowgraph as tf

tf_real = pytest.importorskip("tensorflow")
tfv1 = tf_real.compat.v1


def _ex(lib, **kw):
    def feat(v):
        if isinstance(v[0], bytes):
            return lib.train.Feature(bytes_list=lib.train.BytesList(value=v))
        if isinstance(v[0], float):
            return lib.train.Feature(float_list=lib.train.FloatList(value=v))
        return lib.train.Feature(int64_list=lib.train.Int64List(value=v))
    return lib.train.Example(features=lib.train.Features(
        feature={k: feat(v) for k, v in kw.items()}))


def _flat(out):
    """Sorted (key, part, value) triples of a parse result (dense or sparse)."""
    items = []
    for k in sorted(out):
        v = out[k]
        if hasattr(v, "indices"):
            items += [(k, "i", v.indices), (k, "v", v.values), (k, "s", v.dense_shape)]
        else:
            items.append((k, "d", v))
    return items


def _both(build, feed_value):
    """Runs `build(lib, placeholder)` in TF and in flowgraph; returns both results."""
    results = []
    for lib, v1 in ((tf_real, tfv1), (tf, tf)):
        g = v1.Graph() if lib is tf_real else tf.Graph()
        with g.as_default():
            ph = v1.placeholder(v1.string if lib is tf else tf_real.string,
                                np.asarray(feed_value).shape)
            out = build(lib, v1, ph)
            shapes = [None if t.shape.ndims is None else t.shape.as_list()
                      for _, _, t in _flat(out)]
            with v1.Session(graph=g) as sess:
                try:
                    got = sess.run(out, {ph: feed_value})
                    results.append((shapes, _flat(got), None))
                except Exception as e:  # noqa: BLE001 - compared by class below
                    results.append((shapes, None, type(e).__name__))
    return results


FEATURES = {
    "fixed": lambda lib, v1: {"a": v1.FixedLenFeature([2], v1.float32, default_value=[1., 2.]),
                              "n": v1.FixedLenFeature([], v1.int64, default_value=-1)},
    "varlen": lambda lib, v1: {"v": v1.VarLenFeature(v1.string),
                               "w": v1.VarLenFeature(v1.int64)},
    "seq": lambda lib, v1: {"f": v1.io.FixedLenSequenceFeature([2], v1.int64,
                                                               allow_missing=True,
                                                               default_value=9)},
    "sparse": lambda lib, v1: {"s": v1.io.SparseFeature("ix", "val", v1.float32, 10)},
    "sparse2d": lambda lib, v1: {"s": v1.io.SparseFeature(["i", "j"], "val", v1.float32,
                                                          [3, 4])},
    "required": lambda lib, v1: {"r": v1.FixedLenFeature([1], v1.float32)},
}

RECORDS = [dict(a=[3.0, 4.0], n=[5], v=[b"x", b"yy"], w=[1, 2, 3], f=[1, 2, 3, 4],
                ix=[5, 1], val=[1.0, 2.0], i=[2, 0], j=[1, 3], r=[0.5]),
           dict(v=[b"z"], f=[7, 8], ix=[3], val=[9.0], i=[1], j=[0], r=[1.5]),
           dict(w=[4], r=[2.5], i=[], j=[], ix=[], val=[])]


def _serialize(lib, records):
    out = []
    for r in records:
        out.append(_ex(lib, **{k: v for k, v in r.items() if v}).SerializeToString())
    return out


@pytest.mark.parametrize("kind", sorted(FEATURES))
@pytest.mark.parametrize("single", [False, True])
def test_parse_matches_tf(kind, single):
    data = _serialize(tf_real, RECORDS)
    feed = data[0] if single else data

    def build(lib, v1, ph):
        parse = v1.parse_single_example if single else v1.parse_example
        return parse(ph, FEATURES[kind](lib, v1))
    (s_tf, v_tf, e_tf), (s_fg, v_fg, e_fg) = _both(build, feed)
    assert s_fg == s_tf
    assert e_fg == e_tf
    if v_tf is not None:
        for (k, p, a), (k2, p2, b) in zip(v_tf, v_fg):
            assert (k, p) == (k2, p2)
            assert np.asarray(a).dtype == np.asarray(b).dtype, (k, p)
            np.testing.assert_array_equal(a, b, err_msg=f"{kind} {k} {p}")


@pytest.mark.parametrize("record,feature", [
    (dict(b=[1.0]), "required"), (dict(r=[1.0, 2.0]), "required"), (dict(r=[1]), "required"),
    (dict(f=[1, 2, 3]), "seq")])
def test_error_classes_match_tf(record, feature):
    data = _serialize(tf_real, [record])

    def build(lib, v1, ph):
        return v1.parse_example(ph, FEATURES[feature](lib, v1))
    (_, _, e_tf), (_, _, e_fg) = _both(build, data)
    assert e_tf == e_fg == "InvalidArgumentError"


def test_protos_are_wire_compatible():
    ours = _ex(tf, a=[1.5], b=[b"x"], c=[-3, 2 ** 40]).SerializeToString()
    theirs = tf_real.train.Example.FromString(ours)
    assert theirs.SerializeToString(deterministic=True) == \
        tf.train.Example.FromString(ours).SerializeToString(deterministic=True)
    assert list(theirs.features.feature["c"].int64_list.value) == [-3, 2 ** 40]
    seq = tf_real.train.SequenceExample()
    seq.feature_lists.feature_list["q"].feature.add().float_list.value.append(2.5)
    seq.context.feature["c"].bytes_list.value.append(b"z")
    mine = tf.train.SequenceExample.FromString(seq.SerializeToString())
    assert mine.feature_lists.feature_list["q"].feature[0].float_list.value[0] == 2.5
    assert mine.context.feature["c"].bytes_list.value[0] == b"z"


def test_sequence_example_matches_tf():
    def make(lib):
        s = lib.train.SequenceExample()
        s.context.feature["c"].int64_list.value.append(4)
        for step in ([1., 2., 3.], [4., 5., 6.]):
            s.feature_lists.feature_list["q"].feature.add().float_list.value.extend(step)
        for step in ([1], [2, 3], []):
            f = s.feature_lists.feature_list["qv"].feature.add()
            f.int64_list.value.extend(step)
        return s.SerializeToString()
    data = make(tf_real)

    def build(lib, v1, ph):
        ctx, lists = v1.io.parse_single_sequence_example(
            ph, context_features={"c": v1.FixedLenFeature([], v1.int64)},
            sequence_features={"q": v1.io.FixedLenSequenceFeature([3], v1.float32),
                               "qv": v1.VarLenFeature(v1.int64)})
        return dict(ctx, **lists)
    (s_tf, v_tf, e_tf), (s_fg, v_fg, e_fg) = _both(build, data)
    assert (s_fg, e_fg) == (s_tf, e_tf)
    for (_, _, a), (_, _, b) in zip(v_tf, v_fg):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("records,defaults,kw", [
    (["1,2.5,a", ",,", '"3","x,""y",q'], [[0], [1.0], ["d"]], {}),
    (["1;NA;x"], [[0], [1.0], ["d"]], {"field_delim": ";", "na_value": "NA"}),
    (['1,"x",3'], [[0], ["d"], [1]], {"use_quote_delim": False}),
    (["1,2,3,4"], [[0], [np.int64(1)]], {"select_cols": [1, 3]}),
    (["1,2"], [[0], [1], [2]], {}),
    (["a,1"], [[0], [1]], {}),
    ([",1"], [[0.0], [np.float64(1)]], {}),
    (['a"b,1'], [[""], [0]], {}),
    (['"a"b,1'], [[""], [0]], {}),
    (['"a,1'], [[""], [0]], {}),
    (["1,2,"], [[0], [0], [7]], {}),
    ([""], [[5]], {}),
    (["x, 2 ,3.5e1"], [[""], [0], [0.0]], {}),
    (["1,inf,nan"], [[0], [0.0], [np.float64(0)]], {}),
    (["1\t2"], [[0], [0]], {"field_delim": "\t"}),
])
def test_decode_csv_matches_tf(records, defaults, kw):
    outs = []
    for lib in (tfv1, tf):
        g = lib.Graph()
        with g.as_default(), lib.Session(graph=g) as sess:
            try:
                outs.append(sess.run(lib.decode_csv(records, defaults, **kw)))
            except Exception as e:  # noqa: BLE001
                outs.append(type(e).__name__)
    if isinstance(outs[0], str):
        assert outs[1] == outs[0]
        return
    for a, b in zip(*outs):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", ["int16", "uint8", "float64", "int64", "complex64"])
@pytest.mark.parametrize("little", [True, False])
def test_decode_raw_matches_tf(dtype, little):
    data = [bytes(range(16)), bytes(range(100, 116))]
    outs = []
    for lib in (tfv1, tf):
        g = lib.Graph()
        with g.as_default(), lib.Session(graph=g) as sess:
            t = lib.decode_raw(data, getattr(lib, dtype), little_endian=little)
            outs.append((t.shape.as_list(), sess.run(t)))
    assert outs[0][0] == outs[1][0]
    np.testing.assert_array_equal(outs[0][1], outs[1][1])
    assert outs[0][1].dtype == outs[1][1].dtype


@pytest.mark.parametrize("writer", ["flowgraph", "tf"])
def test_parse_graphs_cross_graph_defs(writer):
    """A GraphDef holding ParseExampleV2 / ParseSequenceExampleV2 made by one side runs in
    the other with the same results."""
    src, dst = (tf, tfv1) if writer == "flowgraph" else (tfv1, tf)
    data = _serialize(tf_real, RECORDS)
    seq = tf_real.train.SequenceExample()
    seq.context.feature["c"].int64_list.value.append(3)
    for step in ([1.0, 2.0], [3.0, 4.0]):
        seq.feature_lists.feature_list["q"].feature.add().float_list.value.extend(step)
    with src.Graph().as_default() as g:
        s = src.placeholder(src.string, [None], name="s")
        out = src.parse_example(s, {**FEATURES["fixed"](None, src),
                                    **FEATURES["varlen"](None, src),
                                    **FEATURES["seq"](None, src)})
        one = src.placeholder(src.string, [], name="one")
        ctx, lists = src.io.parse_single_sequence_example(
            one, {"c": src.FixedLenFeature([], src.int64)},
            {"q": src.io.FixedLenSequenceFeature([2], src.float32)})
        names = {k: [t.name for _, _, t in _flat({k: v})] for k, v in out.items()}
        names["c"], names["q"] = [ctx["c"].name], [lists["q"].name]
        gd = g.as_graph_def()
        with src.Session(graph=g) as sess:
            want = sess.run({k: v for k, v in names.items()}, {s: data, one:
                                                               seq.SerializeToString()})
    if dst is tf:
        gd = tf.GraphDef.FromString(gd.SerializeToString())
    else:
        gd = tf_real.compat.v1.GraphDef.FromString(gd.SerializeToString())
    with dst.Graph().as_default() as g2:
        dst.import_graph_def(gd, name="")
        with dst.Session(graph=g2) as sess:
            got = sess.run(names, {"s:0": data, "one:0": seq.SerializeToString()})
    for k in names:
        for a, b in zip(want[k], got[k]):
            np.testing.assert_array_equal(a, b, err_msg=k)


@pytest.mark.parametrize("value", [np.arange(6, dtype=np.float32).reshape(2, 3),
                                   np.array([b"a", b"bc"], dtype=object), np.int64(5),
                                   np.zeros((0, 2), np.int32), np.array([True, False]),
                                   np.array([1 + 2j], np.complex64)])
def test_serialize_tensor_bytes_match_tf(value):
    tf1 = tf_real.compat.v1
    with tf1.Graph().as_default(), tf1.Session() as s:  # eager may be off (v1 mode)
        theirs = s.run(tf1.io.serialize_tensor(value))
    with tf.Session() as sess:
        ours = sess.run(tf.io.serialize_tensor(tf.constant(value)))
        assert ours == theirs
        dt = tf.as_dtype(tf_real.as_dtype(value.dtype if value.dtype != object
                                          else tf_real.string).name)
        back = sess.run(tf.io.parse_tensor(theirs, dt))
    np.testing.assert_array_equal(back, value)


@pytest.mark.parametrize("seed", range(12))
def test_random_examples_match_tf(seed):
    """Random records against random specs: the same values or the same error class."""
    rng = np.random.RandomState(seed)
    kinds = [("f", 1.5), ("i", 3), ("b", b"x")]
    records = []
    for _ in range(rng.randint(1, 4)):
        r = {}
        for key in "abcd":
            if rng.rand() < 0.75:
                kind, _ = kinds[rng.randint(3) if rng.rand() < 0.2 else "abcd".index(key) % 3]
                n = rng.randint(0, 4)
                r[key] = {"f": [float(x) for x in rng.randn(n)],
                          "i": [int(x) for x in rng.randint(-9, 9, n)],
                          "b": [bytes([65 + x]) for x in rng.randint(0, 26, n)]}[kind]
        records.append(r)
    data = []
    for r in records:
        ex = tf_real.train.Example()
        for k, v in r.items():
            f = ex.features.feature[k]
            kind = "abcd".index(k) % 3
            if v and isinstance(v[0], float):
                f.float_list.value.extend(v)
            elif v and isinstance(v[0], int):
                f.int64_list.value.extend(v)
            elif v:
                f.bytes_list.value.extend(v)
            else:
                getattr(f, ["float_list", "int64_list", "bytes_list"][kind]).SetInParent()
        data.append(ex.SerializeToString())
    spec_kind = rng.randint(3, size=4)

    def build(lib, v1, ph):
        dts = [v1.float32, v1.int64, v1.string]
        feats = {}
        for j, key in enumerate("abcd"):
            dt = dts[j % 3]
            if spec_kind[j] == 0:
                feats[key] = v1.VarLenFeature(dt)
            elif spec_kind[j] == 1:
                feats[key] = v1.FixedLenFeature([2], dt, default_value=[[0.5, 1.5], [1, 2],
                                                                        [b"p", b"q"]][j % 3])
            else:
                feats[key] = v1.io.FixedLenSequenceFeature([], dt, allow_missing=True)
        return v1.parse_example(ph, feats)
    (s_tf, v_tf, e_tf), (s_fg, v_fg, e_fg) = _both(build, data)
    assert s_fg == s_tf and e_fg == e_tf
    if v_tf is not None:
        for (k, p, a), (_, _, b) in zip(v_tf, v_fg):
            assert np.asarray(a).dtype == np.asarray(b).dtype
            np.testing.assert_array_equal(a, b, err_msg=f"{k} {p}")
