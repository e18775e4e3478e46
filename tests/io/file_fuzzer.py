"""A seeded fuzzer over every file loader: checkpoint bundles (index and data), GraphDefs
(binary and text, with function libraries), MetaGraphDefs, event files and the
`checkpoint` state file. Each case takes a seed file, damages it (bit flips, truncation,
inserted/deleted/duplicated runs, "interesting" bytes such as huge varints, splices, or
edits of the parsed proto: huge or negative shapes, wrong attr kinds, bad dtypes,
self-calling functions) and loads it. A case fails when the loader raises anything but
the error classes TF raises for that file (never MemoryError, RecursionError, a raw
KeyError/AttributeError/UnicodeError...), runs longer than the per-case timeout, or
allocates more than the file could justify (tracemalloc peak).

    python -m tests.io.file_fuzzer --cases 10000 [--seed 0] [--timeout 10]
    python -m tests.io.file_fuzzer --seed 0 --case 1234 -v      # replay one case

(and TFRecord files, plain and GZIP, through `tf.python_io.tf_record_iterator`, and
SavedModels, `saved_model.pb`/`.pbtxt` with their variables, through `tf.saved_model.loader`)

`tests/io/test_file_fuzzer.py` runs it for a few seconds in the default suite."""
import argparse
import collections
import contextlib
import io
import logging
import os
import random
import shutil
import signal
import struct
import sys
import tempfile
import time
import tracemalloc
import warnings

import numpy as np

import flowgraph as tf
from flowgraph.framework import crc32c, graph_io
from flowgraph.proto import graph_pb2, meta_graph_pb2
from flowgraph.summary import event_reader
from flowgraph.framework import sstable, tensor_bundle
from flowgraph.train import checkpoint, checkpoint_management as cm

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "fixtures")
ALLOC_LIMIT = 128 << 20  # bytes a loader may allocate (peak) for a small damaged file


class Hang(BaseException):
    """A case ran past its timeout (BaseException: no loader may swallow it)."""


# -- loaders: (name, seed-file builders, load, error classes TF raises there) ------------
def _load_bundle(path):
    prefix = os.path.join(os.path.dirname(path), "m")
    reader = checkpoint.CheckpointReader(prefix)
    for name in reader.get_variable_to_dtype_map():
        reader.get_tensor(name)
    tf.train.list_variables(prefix)


def _load_graph_def(path):
    gd = graph_io.read_graph_def(path)
    with tf.Graph().as_default():
        tf.import_graph_def(gd, name="")


def _load_meta(path):
    with tf.Graph().as_default():
        tf.train.import_meta_graph(path)


def _load_events(path):
    for _ in event_reader.summary_iterator(path):
        pass


def _load_records(path):
    opts = tf.python_io.TFRecordOptions(
        tf.python_io.TFRecordCompressionType.GZIP if path.endswith(".gz") else
        tf.python_io.TFRecordCompressionType.NONE)
    for _ in tf.python_io.tf_record_iterator(path, opts):
        pass


def _load_saved_model(path):
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.saved_model.loader.load(sess, ["serve"], os.path.dirname(path))


def _load_state(path):
    d = os.path.dirname(path)
    cm.get_checkpoint_state(d)
    cm.latest_checkpoint(d)


_OP = (tf.errors.OpError,)
LOADERS = {
    "bundle": (_load_bundle, _OP),
    "graph_def": (_load_graph_def, (ValueError, tf.errors.OpError)),
    # TF's read_meta_graph_file raises IOError for an unparsable file
    "meta_graph": (_load_meta, (ValueError, OSError, tf.errors.OpError)),
    "events": (_load_events, _OP),
    "records": (_load_records, _OP),
    "state": (_load_state, (ValueError, tf.errors.OpError)),
    # TF's loader: IOError for an unparsable file, RuntimeError for a missing tag set
    "saved_model": (_load_saved_model, (ValueError, OSError, RuntimeError,
                                         tf.errors.OpError)),
}
_NEVER = (MemoryError, RecursionError, UnicodeError, KeyError, AttributeError, IndexError,
          TypeError, OverflowError, AssertionError)


def make_seeds(directory):
    """[(loader, file name, bytes, companion files {name: bytes})] of valid seed files."""
    seeds = []

    def read(*parts):
        with open(os.path.join(*parts), "rb") as f:
            return f.read()
    # checkpoints: TF's fixture and one of ours with every kind of entry
    ck = os.path.join(FIXTURES, "tf_ckpt")
    idx, data = read(ck, "model-7.index"), read(ck, "model-7.data-00000-of-00001")
    seeds.append(("bundle", "m.index", idx, {"m.data-00000-of-00001": data}))
    seeds.append(("bundle", "m.data-00000-of-00001", data, {"m.index": idx}))
    ours = os.path.join(directory, "ours", "m")
    w = tensor_bundle.BundleWriter(ours)
    for k, v in {"f": np.arange(12, dtype=np.float32).reshape(3, 4), "i": np.int64(7),
                 "s": np.array([b"ab", b"", b"\xff"], dtype=object), "b": np.array([True]),
                 "c": np.array([1 + 2j], np.complex64), "h": np.ones(3, np.float16),
                 "e": np.zeros((0, 2), np.int32)}.items():
        w.add(k, v)
    w.finish()
    oi, od = read(ours + ".index"), read(ours + ".data-00000-of-00001")
    seeds.append(("bundle", "m.index", oi, {"m.data-00000-of-00001": od}))
    seeds.append(("bundle", "m.data-00000-of-00001", od, {"m.index": oi}))
    # graphs: TF's frozen MLP and control-flow graphs (function libraries)
    for name in ("tf_frozen_mlp.pb", "tf_frozen_mlp.pbtxt", "tf_cf/cond.pb",
                 "tf_cf/nested_loops.pb", "tf_cf/map_and_scan.pb", "tf_cf/stateful.pb"):
        seeds.append(("graph_def", os.path.basename(name), read(FIXTURES, name), {}))
    # meta graphs: TF's and ours (variables, saver, a while loop, collections)
    seeds.append(("meta_graph", "m.meta", read(ck, "model-7.meta"), {}))
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(tf.ones([2, 3]), name="v")
        _, y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * 2.0), [0, v])
        tf.add_to_collection("extra", y)
        tf.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_sum(y))
        saver = tf.train.Saver()
        ours_meta = saver.export_meta_graph().SerializeToString()
    seeds.append(("meta_graph", "m.meta", ours_meta, {}))
    # event files: scalars, a histogram, an image, the graph
    logdir = os.path.join(directory, "events")
    with tf.Graph().as_default() as g2:
        x = tf.constant([1.0, 2.0, 3.0])
        summ = tf.summary.merge([tf.summary.scalar("s", tf.reduce_mean(x)),
                                 tf.summary.histogram("h", x)])
        with tf.Session() as sess:
            w = tf.summary.FileWriter(logdir, g2)
            for step in range(3):
                w.add_summary(sess.run(summ), step)
            w.close()
    for name in sorted(os.listdir(logdir)):
        seeds.append(("events", "events.out", read(logdir, name), {}))
    for name, kind in (("r.tfrecord", "NONE"), ("r.tfrecord.gz", "GZIP")):
        path = os.path.join(directory, name)
        opts = tf.python_io.TFRecordOptions(getattr(tf.python_io.TFRecordCompressionType,
                                                    kind))
        with tf.python_io.TFRecordWriter(path, opts) as w:
            for k in range(5):
                w.write(bytes(range(k * 7 % 256)) * (k + 1))
        seeds.append(("records", name, read(path), {}))
    seeds.append(("state", "checkpoint", read(ck, "checkpoint"), {}))
    # SavedModels: ours (binary and text) with their variables
    for as_text in (False, True):
        sm_dir = os.path.join(directory, f"sm{int(as_text)}")
        with tf.Graph().as_default(), tf.Session() as sess:
            x = tf.placeholder(tf.float32, [None, 2], name="x")
            v = tf.Variable([[1.0], [2.0]], name="v")
            sess.run(tf.global_variables_initializer())
            b = tf.saved_model.builder.SavedModelBuilder(sm_dir)
            b.add_meta_graph_and_variables(sess, ["serve"], signature_def_map={
                "serving_default": tf.saved_model.predict_signature_def(
                    {"x": x}, {"y": tf.matmul(x, v)})}, main_op=tf.no_op())
            b.save(as_text=as_text)
        var = {f"variables/{n}": read(sm_dir, "variables", n)
               for n in sorted(os.listdir(os.path.join(sm_dir, "variables")))}
        name = "saved_model.pbtxt" if as_text else "saved_model.pb"
        seeds.append(("saved_model", name, read(sm_dir, name), var))
    # and TF 2.15's: a canned estimator's export (resource variables, function library)
    tf_sm = os.path.join(FIXTURES, "tf215_exports", "dnn_classifier")
    var = {f"variables/{n}": read(tf_sm, "variables", n)
           for n in sorted(os.listdir(os.path.join(tf_sm, "variables")))}
    seeds.append(("saved_model", "saved_model.pb", read(tf_sm, "saved_model.pb"), var))
    return seeds


# -- damage ------------------------------------------------------------------------------
_INTERESTING = [b"\xff" * 10, b"\xff\xff\xff\xff\x0f", b"\x80" * 9 + b"\x01", b"\x00",
                b"\xff\xff\xff\xff\xff\xff\xff\x7f", b"\x00\x00\x00\x80", b"\xfe\xff\xff\xff",
                (2 ** 62).to_bytes(8, "little"), (2 ** 40).to_bytes(8, "little")]


def damage_bytes(data, rnd, others):
    data = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        kind = rnd.randrange(8)
        n = len(data)
        if n == 0:
            data += bytes([rnd.randrange(256)])
            continue
        pos = rnd.randrange(n)
        if kind == 0:  # bit flips
            for _ in range(rnd.randint(1, 8)):
                data[rnd.randrange(n)] ^= 1 << rnd.randrange(8)
        elif kind == 1:  # truncate
            del data[pos:]
        elif kind == 2:  # insert random bytes
            data[pos:pos] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 16)))
        elif kind == 3:  # delete a run
            del data[pos:pos + rnd.randint(1, 64)]
        elif kind == 4:  # duplicate a run
            data[pos:pos] = data[pos:pos + rnd.randint(1, 256)]
        elif kind == 5:  # overwrite with an interesting value
            v = rnd.choice(_INTERESTING)
            data[pos:pos + len(v)] = v
        elif kind == 6:  # set a byte to an extreme
            data[pos] = rnd.choice((0, 1, 0x7f, 0x80, 0xff))
        else:  # splice in a piece of another seed
            o = rnd.choice(others)
            if o:
                a = rnd.randrange(len(o))
                data[pos:pos + rnd.randint(1, 64)] = o[a:a + rnd.randint(1, 64)]
    return bytes(data)


_HUGE = [2 ** 27, 2 ** 31, 2 ** 32 + 1, 2 ** 40, 2 ** 62, -1, -2, 0, 7]


def _mutate_attr(av, rnd):
    k = av.WhichOneof("value")
    choice = rnd.randrange(9)
    if choice == 0 and k == "tensor":
        t = av.tensor
        if t.tensor_shape.dim:
            rnd.choice(t.tensor_shape.dim).size = rnd.choice(_HUGE)
        else:
            t.tensor_shape.dim.add().size = rnd.choice(_HUGE)
    elif choice == 1 and k == "tensor":
        av.tensor.dtype = rnd.choice([0, 1, 3, 7, 9, 10, 14, 21, 23, 99, 101, 1000])
    elif choice == 2 and k == "tensor":
        t = av.tensor
        t.tensor_content = t.tensor_content[:rnd.randrange(len(t.tensor_content) + 1)]
    elif choice == 3:  # a list where a scalar belongs (or the reverse)
        if k == "tensor":
            t = type(av.tensor)()
            t.CopyFrom(av.tensor)
            av.list.tensor.add().CopyFrom(t)
        else:
            av.list.i.extend([1, 2])
    elif choice == 4:
        av.type = rnd.choice([0, 1, 3, 7, 20, 101, 150, 999])
    elif choice == 5:
        av.s = bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 6)))
    elif choice == 6:
        av.shape.dim.add().size = rnd.choice(_HUGE)
    elif choice == 7:
        av.ClearField(k) if k else av.list.s.append(b"\xff\xfe")
    else:
        av.i = rnd.choice(_HUGE)


def _mutate_nodes(nodes, rnd, fn_names):
    nodes = list(nodes)
    if not nodes:
        return
    n = rnd.choice(nodes)
    choice = rnd.randrange(7)
    if choice <= 2 and n.attr:
        _mutate_attr(n.attr[rnd.choice(sorted(n.attr))], rnd)
    elif choice == 3:
        n.attr["_class"].list.s.append(rnd.choice([b"loc:@" + n.name.encode(), b"\xff",
                                                   b"loc:@nowhere"]))
    elif choice == 4:
        n.input.append(rnd.choice([n.name, n.name + ":3", "^" + n.name, "missing", "a:b:c"]))
    elif choice == 5 and fn_names:  # point a function attr at another function (cycles)
        for av in n.attr.values():
            if av.WhichOneof("value") == "func":
                av.func.name = rnd.choice(fn_names)
    else:
        n.op = rnd.choice(["Const", "Identity", "If", "While", "NoSuchOp", "VariableV2"])


def damage_graph_def(data, rnd, text=False):
    from google.protobuf import text_format
    gd = graph_pb2.GraphDef()
    if text:
        text_format.Parse(data.decode(), gd)
    else:
        gd.ParseFromString(data)
    fns = [f.signature.name for f in gd.library.function]
    for _ in range(rnd.randint(1, 3)):
        if fns and rnd.random() < 0.4:
            f = rnd.choice(gd.library.function)
            _mutate_nodes(f.node_def, rnd, fns)
        else:
            _mutate_nodes(gd.node, rnd, fns)
    return text_format.MessageToString(gd).encode() if text else gd.SerializeToString()


def damage_meta(data, rnd):
    m = meta_graph_pb2.MetaGraphDef()
    m.ParseFromString(data)
    choice = rnd.randrange(5)
    if choice <= 1:
        fns = [f.signature.name for f in m.graph_def.library.function]
        _mutate_nodes(m.graph_def.node, rnd, fns)
    elif choice == 2 and m.collection_def:
        key = rnd.choice(sorted(m.collection_def))
        c = m.collection_def[key]
        kind = c.WhichOneof("kind")
        if kind == "node_list":
            c.node_list.value.append(rnd.choice(["missing:0", "v", ":", "v:99"]))
        elif kind == "bytes_list":
            c.bytes_list.value.append(bytes(rnd.randrange(256) for _ in range(8)))
        else:
            c.bytes_list.value.append(b"\x0a\xff\xff\xff\xff\x0f")
    elif choice == 3:
        sd = m.saver_def
        field = rnd.choice(["filename_tensor_name", "save_tensor_name", "restore_op_name"])
        setattr(sd, field, rnd.choice(["", "missing:0", "save/Const", "x:1:2"]))
        sd.version = rnd.choice([0, 1, 2, 3])
    else:
        m.meta_info_def.stripped_op_list.op.add().name = "NoSuchOp"
    return m.SerializeToString()


def damage_saved_model(data, rnd):
    """Damages the meta graph inside a SavedModel, or its tags and schema version."""
    from flowgraph.proto import saved_model_pb2
    sm = saved_model_pb2.SavedModel.FromString(data)
    meta = sm.meta_graphs[0]
    choice = rnd.randrange(4)
    if choice <= 1:
        meta.ParseFromString(damage_meta(meta.SerializeToString(), rnd))
    elif choice == 2:
        del meta.meta_info_def.tags[:]
        meta.meta_info_def.tags.extend(rnd.choice([[], ["train"], ["serve", "serve"]]))
    else:
        main = meta.collection_def["saved_model_main_op"].node_list.value
        main.append(rnd.choice(["missing", "x:0", "v"]))
        sm.saved_model_schema_version = rnd.choice([0, -1, 2 ** 62])
    return sm.SerializeToString()


def damage_index(data, rnd):
    """Rewrites one BundleEntryProto of a checkpoint index (huge shape, size or offset,
    another dtype or shard, a non-UTF-8 key) with valid block checksums."""
    from flowgraph.proto import tensor_bundle_pb2
    items = list(sstable.TableReader(data, "index").items())
    k = rnd.randrange(1, len(items)) if len(items) > 1 else 0
    key, value = items[k]
    if k == 0:
        h = tensor_bundle_pb2.BundleHeaderProto.FromString(value)
        h.num_shards = rnd.choice([0, 2, 2 ** 31 - 1, 1000])
        value = h.SerializeToString()
    else:
        e = tensor_bundle_pb2.BundleEntryProto.FromString(value)
        c = rnd.randrange(6)
        if c == 0:
            dims = e.shape.dim or [e.shape.dim.add()]
            rnd.choice(dims).size = rnd.choice(_HUGE)
        elif c == 1:
            e.size = rnd.choice(_HUGE[:5])
        elif c == 2:
            e.offset = rnd.choice(_HUGE[:5])
        elif c == 3:
            e.dtype = rnd.choice([0, 1, 7, 9, 10, 21, 99])
        elif c == 4:
            e.shard_id = rnd.choice([1, 5, 2 ** 31 - 1])
        else:
            key = key + b"\xff\xfe"
        value = e.SerializeToString()
    items[k] = (key, value)
    items.sort()
    out = io.BytesIO()
    table = sstable.TableWriter(out)
    for kk, vv in items:
        table.add(kk, vv)
    table.finish()
    return out.getvalue()


def damage_records(data, rnd):
    """Gives one TFRecord of an event file a huge length (with a valid length CRC), or
    cuts it short."""
    offsets, pos = [], 0
    while pos + 12 <= len(data):
        n = struct.unpack("<Q", data[pos:pos + 8])[0]
        offsets.append(pos)
        pos += 16 + n
    at = rnd.choice(offsets or [0])
    length = rnd.choice([2 ** 62, 2 ** 63, 2 ** 64 - 1, 2 ** 40, 2 ** 31, len(data)])
    head = struct.pack("<Q", length)
    head += struct.pack("<I", crc32c.mask(crc32c.value(head)))
    return data[:at] + head + data[at + 12:]


def make_case(seeds, seed, i):
    """(loader, file name, damaged bytes, companions) of case i (deterministic)."""
    rnd = random.Random(f"{seed}:{i}")
    loader, name, data, comp = rnd.choice(seeds)
    try:
        if loader == "graph_def" and rnd.random() < 0.5:
            data = damage_graph_def(data, rnd, text=name.endswith(".pbtxt"))
        elif loader == "meta_graph" and rnd.random() < 0.5:
            data = damage_meta(data, rnd)
        elif loader == "saved_model" and not name.endswith(".pbtxt") and rnd.random() < 0.5:
            data = damage_saved_model(data, rnd)
        elif loader == "bundle" and name.endswith(".index") and rnd.random() < 0.5:
            data = damage_index(data, rnd)
        elif loader in ("events", "records") and not name.endswith(".gz") and \
                rnd.random() < 0.3:
            data = damage_records(data, rnd)
        else:
            data = damage_bytes(data, rnd, [s[2] for s in seeds])
    except Exception:  # noqa: BLE001 - a seed the structured mutator cannot parse
        data = damage_bytes(data, rnd, [s[2] for s in seeds])
    return loader, name, data, comp


# -- running -----------------------------------------------------------------------------
@contextlib.contextmanager
def _time_limit(seconds):
    def fire(signum, frame):
        raise Hang(f"no result after {seconds} s")
    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run_case(case, directory, timeout=10.0, trace_memory=True):
    """Loads one case; returns (outcome, detail): "ok", "error" (a TF-like class) or
    "FAIL"."""
    loader, name, data, comp = case
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    for n, b in comp.items():
        os.makedirs(os.path.dirname(os.path.join(directory, n)), exist_ok=True)
        with open(os.path.join(directory, n), "wb") as f:
            f.write(b)
    path = os.path.join(directory, name)
    with open(path, "wb") as f:
        f.write(data)
    load, allowed = LOADERS[loader]
    if trace_memory:
        tracemalloc.start()
    try:
        with _time_limit(timeout), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            load(path)
        outcome = ("ok", "")
    except Hang as e:
        outcome = ("FAIL", f"hang: {e}")
    except _NEVER as e:
        outcome = ("FAIL", f"{type(e).__name__}: {e}"[:300])
    except allowed as e:
        outcome = ("error", type(e).__name__)
    except Exception as e:  # noqa: BLE001
        outcome = ("FAIL", f"{type(e).__name__}: {e}"[:300])
    finally:
        if trace_memory:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    if trace_memory and outcome[0] != "FAIL" and peak > ALLOC_LIMIT:
        outcome = ("FAIL", f"allocated {peak >> 20} MiB for a {len(data)}-byte file")
    return outcome


def fuzz(cases=None, seconds=None, seed=0, timeout=10.0, only=None, verbose=False,
         out=sys.stdout):
    """Runs cases 0.. until `cases` ran or `seconds` passed; returns (counts, failures)."""
    work = tempfile.mkdtemp(prefix="flowgraph-fuzz-")
    log = logging.getLogger("flowgraph")
    level, log.level = log.level, logging.CRITICAL  # damaged state files are logged
    try:
        seeds = make_seeds(os.path.join(work, "seeds"))
        counts, failures = collections.Counter(), []
        start = time.monotonic()
        ids = [only] if only is not None else range(cases if cases is not None else 10 ** 9)
        for i in ids:
            if seconds is not None and time.monotonic() - start > seconds:
                break
            case = make_case(seeds, seed, i)
            outcome, detail = run_case(case, os.path.join(work, "case"), timeout)
            counts[(case[0], outcome if outcome != "error" else detail)] += 1
            counts["cases"] += 1
            if outcome == "FAIL":
                failures.append((i, case[0], detail))
                print(f"case {i} ({case[0]}): {detail}", file=out)
            elif verbose:
                print(f"case {i} ({case[0]}): {outcome} {detail}", file=out)
        return counts, failures
    finally:
        log.setLevel(level)
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=10000)
    p.add_argument("--seconds", type=float, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timeout", type=float, default=10.0, help="per case, in seconds")
    p.add_argument("--case", type=int, default=None, help="replay only this case")
    p.add_argument("-v", "--verbose", action="store_true")
    a = p.parse_args(argv)
    t0 = time.monotonic()
    counts, failures = fuzz(a.cases, a.seconds, a.seed, a.timeout, a.case, a.verbose)
    print(f"{counts.pop('cases', 0)} cases in {time.monotonic() - t0:.0f} s (seed {a.seed}); "
          f"{len(failures)} failures")
    for k, v in sorted(counts.items(), key=str):
        print(f"  {k[0]:10} {k[1]:28} {v}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
