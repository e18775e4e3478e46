"""What syncing checkpoints costs: `Saver.save` timed as it is (data, index, state file
and directories fsynced before the state file names a checkpoint) and with `os.fsync`
replaced by a no-op (what the save cost before), for a few model sizes, saving over one
prefix (no global step) and to a new prefix each time (with a global step).

    python benchmarks/save_fsync.py [--reps 15] [--dir PATH]

Prints a Markdown table (median ms per save); the figures go in RESULTS.md by hand."""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import flowgraph as tf  # noqa: E402

SIZES = {"4 KiB": 1 << 10, "4 MiB": 1 << 20, "64 MiB": 1 << 24}  # float32 counts


def _time_saves(sizes, reps, directory, sync):
    real = os.fsync
    if not sync:
        os.fsync = lambda fd: None
    try:
        out = {}
        for label, n in sizes.items():
            g = tf.Graph()
            with g.as_default():
                tf.Variable(tf.random_uniform([n]))
                saver = tf.train.Saver(max_to_keep=2)
                sess = tf.Session()
                sess.run(tf.global_variables_initializer())
            for mode in ("same prefix", "new prefix"):
                d = tempfile.mkdtemp(dir=directory)
                times = []
                for i in range(reps):
                    t0 = time.perf_counter()
                    saver.save(sess, os.path.join(d, "m"),
                               global_step=i if mode == "new prefix" else None,
                               write_meta_graph=False)
                    times.append(time.perf_counter() - t0)
                out[(label, mode)] = statistics.median(times) * 1e3
                shutil.rmtree(d)
            sess.close()
        return out
    finally:
        os.fsync = real


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=15)
    p.add_argument("--dir", default=None, help="where to save (default: the temp dir)")
    a = p.parse_args()
    synced = _time_saves(SIZES, a.reps, a.dir, True)
    unsynced = _time_saves(SIZES, a.reps, a.dir, False)
    print("| model | save | synced | fsync as no-op | cost |")
    print("| --- | --- | ---: | ---: | ---: |")
    for key in synced:
        s, u = synced[key], unsynced[key]
        print(f"| {key[0]} | {key[1]} | {s:.2f} ms | {u:.2f} ms | +{s - u:.2f} ms |")


if __name__ == "__main__":
    main()
