"""Special functions written against an array module `xp` (numpy or CuPy), computed in
float64: log-gamma (Lanczos), digamma (recurrence + asymptotic series), Hurwitz zeta
(Euler-Maclaurin), regularized incomplete gamma (series / continued fraction, and their
a-derivative by forward-mode differentiation of the same expansions) and beta
(continued fraction), the inverse error function (Halley's method on erfcx), and the
exponentially scaled modified Bessel functions I0e and I1e (series / asymptotic).

Every loop has a fixed trip count, so the kernels are plain vectorized array code."""
import math

import numpy as np

_LANCZOS_G = 7.0
_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028,
            771.32342877765313, -176.61502916214059, 12.507343278686905,
            -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7)
# Bernoulli numbers B2, B4, ..., B24 (Euler-Maclaurin and asymptotic digamma).
_B2K = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510,
        43867 / 798, -174611 / 330, 854513 / 138, -236364091 / 2730)
_SQRT_PI = math.sqrt(math.pi)


def _f64(xp, x):
    return xp.asarray(x).astype(np.float64)


def _is_int(xp, x):
    return x == xp.floor(x)


def _lgamma_pos(xp, x):
    """log Gamma(x) for x >= 0.5 (Lanczos, g = 7, nine terms)."""
    z = x - 1
    s = xp.full_like(z, _LANCZOS[0])
    for i, c in enumerate(_LANCZOS[1:], 1):
        s = s + c / (z + i)
    t = z + _LANCZOS_G + 0.5
    return 0.5 * math.log(2 * math.pi) + (z + 0.5) * xp.log(t) - t + xp.log(s)


def lgamma(xp, x):
    """log |Gamma(x)|; +inf at the poles (0, -1, -2, ...)."""
    x = _f64(xp, x)
    small = x < 0.5
    pos = _lgamma_pos(xp, xp.where(small, 1 - x, x))
    with np.errstate(divide="ignore", invalid="ignore"):
        s = xp.abs(xp.sin(math.pi * (x - xp.floor(x))))
        refl = math.log(math.pi) - xp.log(s) - pos
    out = xp.where(small, refl, pos)
    out = xp.where(small & _is_int(xp, x), xp.inf, out)
    return xp.where(xp.isinf(x), xp.inf, out)


def digamma(xp, x):
    """psi(x) = d/dx log Gamma(x); nan at the poles, as TF."""
    x = _f64(xp, x)
    small = x < 0.5
    y = xp.where(small, 1 - x, x)
    acc = xp.zeros_like(y)
    for _ in range(10):  # shift up to y >= 10 before the asymptotic series
        lo = y < 10
        acc = acc - xp.where(lo, 1 / y, 0)
        y = xp.where(lo, y + 1, y)
    inv2 = 1 / (y * y)
    series = xp.zeros_like(y)
    p = xp.ones_like(y)
    for k, b in enumerate(_B2K[:8], 1):
        p = p * inv2
        series = series + b / (2 * k) * p
    out = acc + xp.log(y) - 0.5 / y - series
    with np.errstate(divide="ignore", invalid="ignore"):
        refl = out - math.pi / xp.tan(math.pi * (x - xp.floor(x)))
    out = xp.where(small, refl, out)
    return xp.where(small & _is_int(xp, x), xp.nan, out)


def zeta(xp, x, q):
    """Hurwitz zeta sum_k (k + q)^-x for x > 1 (inf at x == 1, nan for x < 1)."""
    x, q = xp.broadcast_arrays(_f64(xp, x), _f64(xp, q))
    n = 9
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        s = xp.zeros_like(x)
        for k in range(n):
            s = s + (q + k) ** -x
        a = q + n
        s = s + a ** (1 - x) / (x - 1) + 0.5 * a ** -x
        fact = 1.0  # (2j)!
        rise = x.copy()  # x (x+1) ... (x+2j-2)
        for j, b in enumerate(_B2K, 1):
            fact *= (2 * j - 1) * (2 * j)
            s = s + b / fact * rise * a ** (-x - 2 * j + 1)
            rise = rise * (x + 2 * j - 1) * (x + 2 * j)
    s = xp.where(x == 1, xp.inf, s)
    s = xp.where((q <= 0) & _is_int(xp, q), xp.inf, s)
    s = xp.where((q <= 0) & ~_is_int(xp, x) & ~_is_int(xp, q), xp.nan, s)
    return xp.where(x < 1, xp.nan, s)


def polygamma(xp, n, x):
    """psi^(n)(x) = (-1)^(n+1) n! zeta(n+1, x); n a non-negative integer (else nan)."""
    n, x = xp.broadcast_arrays(_f64(xp, n), _f64(xp, x))
    nn = xp.where(n >= 1, n, 1)
    sign = xp.where(xp.fmod(nn, 2) == 0, -1.0, 1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        fact = xp.exp(lgamma(xp, nn + 1))
        higher = sign * fact * zeta(xp, nn + 1, x)
    out = xp.where(n == 0, digamma(xp, x), higher)
    return xp.where((n < 0) | ~_is_int(xp, n), xp.nan, out)


def _gamma_series(xp, a, x, log_front, terms=400):
    """P(a, x) by its power series (x < a + 1)."""
    term = 1 / a
    s = term
    for k in range(1, terms):
        term = term * x / (a + k)
        s = s + term
    return s * xp.exp(log_front)


def _gamma_cf(xp, a, x, log_front, terms=200):
    """Q(a, x) by Lentz's evaluation of its continued fraction (x >= a + 1)."""
    tiny = 1e-300
    b = x + 1 - a
    c = xp.full_like(x, 1 / tiny)
    d = 1 / b
    h = d
    for i in range(1, terms):
        an = -i * (i - a)
        b = b + 2
        d = an * d + b
        d = xp.where(xp.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = xp.where(xp.abs(c) < tiny, tiny, c)
        d = 1 / d
        h = h * d * c
    return h * xp.exp(log_front)


def igamma(xp, a, x, upper=False):
    """Regularized lower incomplete gamma P(a, x) (upper: Q = 1 - P)."""
    a, x = xp.broadcast_arrays(_f64(xp, a), _f64(xp, x))
    bad = (a <= 0) | (x < 0) | xp.isnan(a) | xp.isnan(x)
    sa = xp.where(bad | (a == 0), 1.0, a)
    sx = xp.where(bad | (x == 0), 1.0, x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        log_front = sa * xp.log(sx) - sx - lgamma(xp, sa)
        use_series = sx < sa + 1
        ser_x = xp.where(use_series, sx, xp.minimum(sx, sa + 1))
        cf_x = xp.where(use_series, sa + 1, sx)
        # both expansions need about sqrt(a) terms near x = a: size them by the largest a
        top = float(xp.max(sa)) if sa.size else 1.0
        n = int(min(max(200, 12 * math.sqrt(top)), 20000))
        p = _gamma_series(xp, sa, ser_x, xp.where(use_series, log_front, 0), 2 * n)
        q = _gamma_cf(xp, sa, cf_x, xp.where(use_series, 0, log_front), n)
        lower = xp.where(use_series, p, 1 - q)
        upper_v = xp.where(use_series, 1 - p, q)
    out = upper_v if upper else lower
    out = xp.where(x == 0, 1.0 if upper else 0.0, out)
    out = xp.where(xp.isinf(x) & (x > 0), 0.0 if upper else 1.0, out)
    return xp.where(bad, xp.nan, out)


def _beta_cf(xp, a, b, x, terms=300):
    """The continued fraction of I_x(a, b) (Lentz), without its prefactor."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1, a - 1
    c = xp.ones_like(x)
    d = 1 - qab * x / qap
    d = 1 / xp.where(xp.abs(d) < tiny, tiny, d)
    h = d
    for m in range(1, terms):
        m2 = 2 * m
        for an in (m * (b - m) * x / ((qam + m2) * (a + m2)),
                   -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1 + an * d
            d = 1 / xp.where(xp.abs(d) < tiny, tiny, d)
            c = 1 + an / c
            c = xp.where(xp.abs(c) < tiny, tiny, c)
            h = h * d * c
    return h


def betainc(xp, a, b, x):
    """Regularized incomplete beta I_x(a, b); nan outside a, b > 0, 0 <= x <= 1."""
    a, b, x = xp.broadcast_arrays(_f64(xp, a), _f64(xp, b), _f64(xp, x))
    bad = (a <= 0) | (b <= 0) | (x < 0) | (x > 1) | xp.isnan(x)
    sa, sb = xp.where(bad, 1.0, a), xp.where(bad, 1.0, b)
    sx = xp.where(bad | (x == 0) | (x == 1), 0.5, x)
    flip = sx > (sa + 1) / (sa + sb + 2)
    fa, fb = xp.where(flip, sb, sa), xp.where(flip, sa, sb)
    fx = xp.where(flip, 1 - sx, sx)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        lbeta = lgamma(xp, fa) + lgamma(xp, fb) - lgamma(xp, fa + fb)
        front = xp.exp(fa * xp.log(fx) + fb * xp.log1p(-fx) - lbeta) / fa
        v = front * _beta_cf(xp, fa, fb, fx)
    out = xp.where(flip, 1 - v, v)
    out = xp.where(x == 0, 0.0, xp.where(x == 1, 1.0, out))
    return xp.where(bad, xp.nan, out)


def _erfcx(xp, y):
    """exp(y^2) erfc(y) for y >= 0: positive series below 2, continued fraction above."""
    ys = xp.minimum(y, 2.0)
    term = ys.copy()
    s = ys.copy()
    for n in range(1, 60):  # e^{y^2} erf(y) sqrt(pi) / 2 = sum 2^n y^(2n+1) / (2n+1)!!
        term = term * 2 * ys * ys / (2 * n + 1)
        s = s + term
    small = xp.exp(ys * ys) - 2 / _SQRT_PI * s
    yl = xp.maximum(y, 2.0)
    f = yl
    for k in range(80, 0, -1):
        f = yl + (k / 2) / f
    return xp.where(y < 2, small, 1 / (_SQRT_PI * f))


def erfcinv(xp, z):
    """The inverse of erfc on (0, 2); -inf/+inf at the ends, nan outside."""
    z = _f64(xp, z)
    hi = z > 1
    w = xp.where(hi, 2 - z, z)
    w = xp.where((w <= 0) | xp.isnan(w), 0.5, w)
    # Winitzki's closed-form guess, then Halley's method on erfc(y) = w.
    with np.errstate(divide="ignore", invalid="ignore"):
        ln = xp.log(w) + xp.log(2 - w)
        a = 0.147
        t = 2 / (math.pi * a) + ln / 2
        y = xp.sqrt(xp.maximum(xp.sqrt(t * t - ln / a) - t, 0))
        for _ in range(5):
            # u = f / f' for f(y) = erfc(y) - w, scaled by e^{y^2} to avoid underflow
            u = -(_SQRT_PI / 2) * (_erfcx(xp, y) - xp.exp(xp.log(w) + y * y))
            y = xp.maximum(y - u / (1 + y * u), 0)
    out = xp.where(hi, -y, y)
    out = xp.where(z == 0, xp.inf, xp.where(z == 2, -xp.inf, out))
    return xp.where((z < 0) | (z > 2) | xp.isnan(z), xp.nan, out)


def erfinv(xp, x):
    x = _f64(xp, x)
    y = erfcinv(xp, 1 - xp.abs(x))  # 1 - |x| is exact near both ends
    return xp.where(x < 0, -y, y)


def ndtri(xp, p):
    p = _f64(xp, p)
    return -math.sqrt(2) * erfcinv(xp, 2 * p)


def _bessel_ie(xp, x, order):
    """exp(-|x|) I_order(x) for order 0 or 1: series for |x| <= 30, asymptotic above."""
    x = _f64(xp, x)
    ax = xp.abs(x)
    xs = xp.minimum(ax, 30.0)
    q = xs * xs / 4
    term = xp.ones_like(xs) if order == 0 else xs / 2
    s = term
    for k in range(1, 120):
        term = term * q / (k * (k + order))
        s = s + term
    small = s * xp.exp(-xs)
    xl = xp.maximum(ax, 30.0)
    mu = 4.0 * order * order
    term = xp.ones_like(xl)
    t = term
    for k in range(1, 16):
        term = -term * (mu - (2 * k - 1) ** 2) / (k * 8 * xl)
        t = t + term
    big = t / xp.sqrt(2 * math.pi * xl)
    out = xp.where(ax <= 30, small, big)
    return out if order == 0 else xp.where(x < 0, -out, out)


def bessel_i0e(xp, x):
    return _bessel_ie(xp, x, 0)


def bessel_i1e(xp, x):
    return _bessel_ie(xp, x, 1)


def igamma_grad_a(xp, a, x):
    """d/da P(a, x): the series and continued fraction of `igamma` differentiated in a
    (forward mode, term by term)."""
    a, x = xp.broadcast_arrays(_f64(xp, a), _f64(xp, x))
    bad = (a <= 0) | (x < 0) | xp.isnan(a) | xp.isnan(x)
    sa = xp.where(bad, 1.0, a)
    sx = xp.where(bad | (x == 0), 1.0, x)
    top = float(xp.max(sa)) if sa.size else 1.0
    n = int(min(max(200, 12 * math.sqrt(top)), 20000))
    tiny = 1e-300
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        log_front = sa * xp.log(sx) - sx - lgamma(xp, sa)
        dlog_front = xp.log(sx) - digamma(xp, sa)
        use_series = sx < sa + 1
        # series: P = front * sum_k t_k, t_k = x^k / (a (a+1) ... (a+k))
        xs = xp.where(use_series, sx, xp.minimum(sx, sa + 1))
        t = 1 / sa
        h = 1 / sa
        s, ds = t, -t * h
        for k in range(1, 2 * n):
            t = t * xs / (sa + k)
            h = h + 1 / (sa + k)
            s, ds = s + t, ds - t * h
        front = xp.exp(xp.where(use_series, log_front, 0))
        dp_series = front * (ds + s * xp.where(use_series, dlog_front, 0))
        # continued fraction for Q, each Lentz quantity carried with its a-derivative
        xc = xp.where(use_series, sa + 1, sx)
        b, db = xc + 1 - sa, -1.0
        c, dc = xp.full_like(xc, 1 / tiny), xp.zeros_like(xc)
        d = 1 / b
        dd = -db * d * d
        hh, dh = d, dd
        for i in range(1, n):
            an, dan = -i * (i - sa), float(i)
            b = b + 2
            dn = an * d + b
            ddn = dan * d + an * dd + db
            dn = xp.where(xp.abs(dn) < tiny, tiny, dn)
            cn = b + an / c
            dcn = db + dan / c - an * dc / (c * c)
            cn = xp.where(xp.abs(cn) < tiny, tiny, cn)
            d, dd = 1 / dn, -ddn / (dn * dn)
            c, dc = cn, dcn
            hh, dh = hh * d * c, dh * d * c + hh * (dd * c + d * dc)
        fq = xp.exp(xp.where(use_series, 0, log_front))
        dq = fq * (dh + hh * xp.where(use_series, 0, dlog_front))
        out = xp.where(use_series, dp_series, -dq)
    out = xp.where((x == 0) | (xp.isinf(x) & (x > 0)), 0.0, out)
    return xp.where(bad, xp.nan, out)
