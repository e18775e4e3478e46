"""GPU benchmark (issue #8): the MLP Adam step at batch 1024 and the LeNet-5 SGD step, with
flowgraph on /gpu:0, the same graph on the CPU, and PyTorch on the same GPU. Target: the MLP
step within 1.5x of PyTorch's.

    python benchmarks/gpu.py [--reps N] [--out benchmarks/RESULTS.md]

Prints a markdown table; with --out it replaces that file's "## GPU" section (to its end)
with the table. Each step is followed by a device synchronisation, so the time is the time
of the work, not of queueing it. Contenders are interleaved every repetition (run.py's
timer); the figures are medians."""
import argparse
import datetime
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import bench_nn  # noqa: E402
import run as runner  # noqa: E402

MLP_BATCH, N_IN, N_HID, N_OUT = 1024, 784, 512, 10
LR, BETA1, BETA2, EPS = 1e-3, 0.9, 0.999, 1e-8


def _mlp_data(batch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, N_IN)).astype(np.float32)
    y = rng.integers(0, N_OUT, batch).astype(np.int32)
    w1 = (rng.standard_normal((N_IN, N_HID)) * 0.05).astype(np.float32)
    w2 = (rng.standard_normal((N_HID, N_OUT)) * 0.05).astype(np.float32)
    return x, y, [w1, np.zeros(N_HID, np.float32), w2, np.zeros(N_OUT, np.float32)]


def _session_step(tf, device, build, feeds_of):
    """A `sess.run(train)` step of the graph `build()` made under `tf.device(device)`."""
    g = tf.Graph()
    with g.as_default(), tf.device(device):
        x, y, loss, train = build()
        init = tf.global_variables_initializer()
    config = tf.ConfigProto(device_count={"GPU": 1 if "gpu" in device else 0})
    sess = tf.Session(graph=g, config=config)
    sess.run(init)
    feed = feeds_of(x, y)
    sess.run(train, feed)  # compiles the plan outside the timing
    return lambda: sess.run(train, feed)


def flowgraph_mlp(tf, device, batch=MLP_BATCH):
    xv, yv, params = _mlp_data(batch)

    def build():
        x = tf.placeholder(tf.float32, [None, N_IN])
        y = tf.placeholder(tf.int32, [None])
        w1, b1, w2, b2 = (tf.Variable(p) for p in params)
        logits = tf.matmul(tf.nn.relu(tf.matmul(x, w1) + b1), w2) + b2
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=y, logits=logits))
        return x, y, loss, tf.train.AdamOptimizer(LR, BETA1, BETA2, EPS).minimize(loss)
    return _session_step(tf, device, build, lambda x, y: {x: xv, y: yv})


def flowgraph_lenet(tf, device):
    xv, yv = bench_nn._lenet_data(np)
    params = bench_nn._lenet_params(np)

    def build():
        return bench_nn.lenet_graph(tf, params)
    return _session_step(tf, device, build, lambda x, y: {x: xv, y: yv})


def torch_mlp(torch, batch=MLP_BATCH):
    xv, yv, (w1, b1, w2, b2) = _mlp_data(batch)
    dev = torch.device("cuda")
    x, y = torch.from_numpy(xv).to(dev), torch.from_numpy(yv).long().to(dev)
    ps = [torch.from_numpy(p).to(dev).requires_grad_() for p in (w1, b1, w2, b2)]
    opt = torch.optim.Adam(ps, lr=LR, betas=(BETA1, BETA2), eps=EPS)

    def step():
        opt.zero_grad()
        logits = torch.relu(x @ ps[0] + ps[1]) @ ps[2] + ps[3]
        torch.nn.functional.cross_entropy(logits, y).backward()
        opt.step()
    return step


def torch_lenet(torch):
    xv, yv = bench_nn._lenet_data(np)
    dev = torch.device("cuda")
    x = torch.from_numpy(xv.transpose(0, 3, 1, 2).copy()).to(dev)  # NHWC -> NCHW
    y = torch.from_numpy(yv).long().to(dev)
    raw = bench_nn._lenet_params(np)
    ps = []
    for i, p in enumerate(raw):
        if p.ndim == 4:  # HWIO -> OIHW
            p = p.transpose(3, 2, 0, 1).copy()
        ps.append(torch.from_numpy(p).to(dev).requires_grad_())
    F = torch.nn.functional
    opt = torch.optim.SGD(ps, lr=bench_nn.LR)

    def step():
        opt.zero_grad()
        h = F.max_pool2d(F.relu(F.conv2d(x, ps[0], ps[1], padding=2)), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, ps[2], ps[3])), 2)
        h = h.permute(0, 2, 3, 1).reshape(-1, 400)  # flatten in NHWC order, as the graph
        h = F.relu(h @ ps[4] + ps[5])
        h = F.relu(h @ ps[6] + ps[7])
        F.cross_entropy(h @ ps[8] + ps[9], y).backward()
        opt.step()
    return step


def _synced(step, sync):
    def run():
        step()
        sync()
    return run


def _torch():
    """PyTorch if it sees a GPU, else (None, why not)."""
    try:
        import torch
    except ImportError as e:
        return None, f"PyTorch unavailable: {e}"
    if not torch.cuda.is_available():
        return None, "PyTorch unavailable: it sees no GPU"
    return torch, None


def measure(reps=15, mlp_batch=MLP_BATCH):
    """{case: {contender: median seconds, or None}} and what was unavailable."""
    import cupy
    import flowgraph as tf
    torch, why = _torch()
    cases = {
        f"mlp_train_step_{mlp_batch}": {
            "flowgraph /gpu:0": lambda: flowgraph_mlp(tf, "/gpu:0", mlp_batch),
            "flowgraph /cpu:0": lambda: flowgraph_mlp(tf, "/cpu:0", mlp_batch),
            "PyTorch cuda": torch and (lambda: torch_mlp(torch, mlp_batch))},
        "lenet5_train_step": {
            "flowgraph /gpu:0": lambda: flowgraph_lenet(tf, "/gpu:0"),
            "flowgraph /cpu:0": lambda: flowgraph_lenet(tf, "/cpu:0"),
            "PyTorch cuda": torch and (lambda: torch_lenet(torch))}}
    syncs = {"flowgraph /gpu:0": cupy.cuda.Device().synchronize,
             "flowgraph /cpu:0": lambda: None,
             "PyTorch cuda": torch and torch.cuda.synchronize}
    out = {}
    for case, makers in cases.items():
        fns = {n: _synced(make(), syncs[n]) for n, make in makers.items() if make}
        out[case] = dict.fromkeys(makers)
        out[case].update(runner.time_interleaved(fns, reps))
    return out, [why] if why else []


def table(results, missing, device_name):
    lines = ["## GPU", "", f"- date: {datetime.date.today().isoformat()}",
             f"- device: {device_name}", "- command: `python benchmarks/gpu.py`",
             "- method: median per step, each followed by a device synchronisation; "
             "contenders interleaved", ""]
    lines += [f"- {m}" for m in missing] + ([""] if missing else [])
    lines += ["| case | flowgraph /gpu:0 | flowgraph /cpu:0 | PyTorch cuda | "
              "flowgraph GPU vs PyTorch |", "| --- | ---: | ---: | ---: | ---: |"]
    for case, v in results.items():
        fmt = [f"{v[k] * 1e3:.2f} ms" if v[k] else "—" for k in v]
        g, t = v["flowgraph /gpu:0"], v["PyTorch cuda"]
        ratio = f"{g / t:.2f}x PyTorch's time" if g and t else "—"
        lines.append(f"| {case} | {' | '.join(fmt)} | {ratio} |")
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=15)
    p.add_argument("--out", help="a RESULTS.md whose '## GPU' section to replace")
    args = p.parse_args()
    import cupy
    name = cupy.cuda.runtime.getDeviceProperties(0)["name"]
    name = name.decode() if isinstance(name, bytes) else name
    results, missing = measure(args.reps)
    text = table(results, missing, name)
    print(text)
    if args.out:
        with open(args.out) as f:
            old = f.read()
        at = old.find("## GPU")
        with open(args.out, "w") as f:
            f.write((old if at < 0 else old[:at]) + text)


if __name__ == "__main__":
    main()
