"""Every convolution formulation of `conv_algorithms`, forced in turn, on the Conv2D op
table of test_conv_pool_ops (naive loop references, numeric gradient checks of the op
and of the backprop ops), with batch chunking, and the rule's picks for known shapes."""
import numpy as np
import pytest

from flowgraph.ops import conv_algorithms as CA
from tests.ops.test_conv_pool_ops import CASES
from tests.optest import run_case

CONV_TYPES = ("Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter")
CONV_CASES = [c for c in CASES if c.op_type in CONV_TYPES]


def force(monkeypatch, algo):
    """Makes `choose` return `algo` wherever that formulation can compute the geometry."""
    rule = CA.choose

    def forced(kind, g, itemsize=4, floating=True):
        return algo if CA.eligible(algo, g, floating) else rule(kind, g, itemsize, floating)
    monkeypatch.setattr(CA, "choose", forced)


@pytest.mark.parametrize("algo", CA.FORMULATIONS)
@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_formulation_on_op_table(monkeypatch, algo, case):
    force(monkeypatch, algo)
    run_case(case)


def _geometry(n=3, h=7, w=6, c=2, kh=3, kw=2, co=4, s=(1, 1), d=(1, 1), pads=(1, 1, 0, 1)):
    oh = (h + pads[0] + pads[1] - (kh - 1) * d[0] - 1) // s[0] + 1
    ow = (w + pads[2] + pads[3] - (kw - 1) * d[1] - 1) // s[1] + 1
    return CA.Geometry(n, h, w, c, kh, kw, co, oh, ow, s[0], s[1], d[0], d[1], pads)


def _naive(g, x, wt):
    """Direct definition of the forward pass (float64)."""
    xp = np.pad(x.astype(np.float64), ((0, 0), g.pads[:2], g.pads[2:], (0, 0)))
    out = np.zeros((g.n, g.oh, g.ow, g.co))
    for i in range(g.kh):
        for j in range(g.kw):
            v = xp[:, i * g.dh::g.sh, j * g.dw::g.sw][:, :g.oh, :g.ow]
            out += v @ wt[i, j]
    return out


@pytest.mark.parametrize("algo", CA.FORMULATIONS)
@pytest.mark.parametrize("geom", [dict(), dict(s=(2, 1)), dict(d=(2, 1), pads=(2, 2, 0, 0)),
                                  dict(c=1, co=1, kh=1, kw=1, pads=(0, 0, 0, 0))], ids=str)
def test_chunked_batches_match_one_chunk(monkeypatch, algo, geom):
    """A column budget of one byte makes every batch item its own chunk; the three passes
    give what the direct definition and the unchunked run give."""
    g = _geometry(**geom)
    if not CA.eligible(algo, g):
        pytest.skip("formulation does not compute this geometry")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((g.n, g.h, g.w, g.c))
    wt = rng.standard_normal((g.kh, g.kw, g.c, g.co))
    dy = rng.standard_normal((g.n, g.oh, g.ow, g.co))
    whole = [CA.forward(np, x, wt, g, algo), CA.backprop_filter(np, x, dy, g, algo),
             CA.backprop_input(np, dy, wt, g, algo)]
    np.testing.assert_allclose(whole[0], _naive(g, x, wt), rtol=1e-10, atol=1e-10)
    # adjoint identities: <conv(x), dy> = <x, dconv/dx(dy)> = <w, dconv/dw(dy)>
    inner = float(np.sum(whole[0] * dy))
    np.testing.assert_allclose(np.sum(x * whole[2]), inner, rtol=1e-10)
    np.testing.assert_allclose(np.sum(wt * whole[1]), inner, rtol=1e-10)
    monkeypatch.setattr(CA, "COLS_BUDGET", 1)
    chunked = [CA.forward(np, x, wt, g, algo), CA.backprop_filter(np, x, dy, g, algo),
               CA.backprop_input(np, dy, wt, g, algo)]
    for a, b in zip(chunked, whole):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


def test_rule_picks():
    lenet1 = _geometry(64, 28, 28, 1, 5, 5, 6, pads=(2, 2, 2, 2))
    lenet2 = _geometry(64, 14, 14, 6, 5, 5, 16, pads=(0, 0, 0, 0))
    big = _geometry(8, 32, 32, 4, 11, 11, 8, pads=(5, 5, 5, 5))
    assert [CA.choose(k, lenet1) for k in ("forward", "filter", "input")] == \
        ["im2col_cnhw"] * 3
    assert [CA.choose(k, lenet2) for k in ("forward", "filter", "input")] == \
        ["im2col_nhwc", "im2col_nhwc", "taps"]
    assert [CA.choose(k, big) for k in ("forward", "filter", "input")] == ["fft"] * 3
    assert CA.choose("forward", big, 4, floating=False) != "fft"
    assert CA.choose("forward", _geometry(kh=1, kw=1, pads=(0, 0, 0, 0))) == "taps"
