"""tf.signal windows, frame and stft: against numpy, and values and gradients against TF."""
import numpy as np
import pytest

import flowgraph as tf

X = np.random.RandomState(2).randn(2, 50)


def _run(fetches):
    with tf.Session() as s:
        return s.run(fetches)


def test_windows_match_numpy():
    with tf.Graph().as_default():
        got = _run([tf.signal.hann_window(8), tf.signal.hann_window(9, periodic=False),
                    tf.signal.hamming_window(6, dtype=tf.float64), tf.signal.hann_window(1)])
    k8, k9, k6 = np.arange(8), np.arange(9), np.arange(6)
    want = [0.5 - 0.5 * np.cos(2 * np.pi * k8 / 8), 0.5 - 0.5 * np.cos(2 * np.pi * k9 / 8),
            0.54 - 0.46 * np.cos(2 * np.pi * k6 / 6), [1.0]]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, atol=1e-6)
    assert got[0].dtype == np.float32 and got[2].dtype == np.float64
    with pytest.raises(ValueError):
        tf.signal.hann_window(4, dtype=tf.int32)


def test_frame_matches_numpy():
    with tf.Graph().as_default():
        x = tf.constant(X)
        f = tf.signal.frame(x, 8, 3)
        fp = tf.signal.frame(x, 8, 5, pad_end=True, pad_value=7.0)
        f0 = tf.signal.frame(x, 1, 1, axis=0)
        assert f.shape.as_list() == [2, 15, 8] and fp.shape.as_list() == [2, 10, 8]
        got = _run([f, fp, f0])
    want = np.stack([X[:, 3 * i:3 * i + 8] for i in range(15)], 1)
    padded = np.concatenate([X, np.full((2, 3), 7.0)], 1)
    want_p = np.stack([padded[:, 5 * i:5 * i + 8] for i in range(10)], 1)
    np.testing.assert_array_equal(got[0], want)
    np.testing.assert_array_equal(got[1], want_p)
    np.testing.assert_array_equal(got[2], X[:, None, :])


def test_stft_matches_numpy():
    with tf.Graph().as_default():
        got = _run(tf.signal.stft(tf.constant(X), 10, 4))
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(10) / 10)
    frames = np.stack([X[:, 4 * i:4 * i + 10] * w for i in range(11)], 1)
    np.testing.assert_allclose(got, np.fft.rfft(frames, 16), atol=1e-10)


_TF = {
    "hann": lambda t, x: t.signal.hann_window(7) * 1.0,
    "hamming_sym": lambda t, x: t.signal.hamming_window(7, False, dtype=t.float64),
    "frame": lambda t, x: t.signal.frame(x, 8, 3),
    "frame_pad": lambda t, x: t.signal.frame(x, 8, 5, pad_end=True, pad_value=2.0),
    "frame_axis0": lambda t, x: t.signal.frame(x, 2, 1, axis=0),
    "stft": lambda t, x: t.signal.stft(x, 10, 4),
    "stft_options": lambda t, x: t.signal.stft(x, 16, 8, fft_length=20, pad_end=True,
                                               window_fn=t.signal.hamming_window),
    "stft_no_window": lambda t, x: t.signal.stft(x, 8, 8, window_fn=None),
    "overlap_and_add": lambda t, x: t.signal.overlap_and_add(t.reshape(x, [2, 5, 10]), 3),
    "overlap_and_add_3d": lambda t, x: t.signal.overlap_and_add(t.reshape(x, [1, 2, 2, 25]),
                                                                25),
    "inverse_stft": lambda t, x: t.signal.inverse_stft(t.signal.stft(x, 16, 4), 16, 4),
    "inverse_stft_window": lambda t, x: t.signal.inverse_stft(
        t.signal.stft(x, 12, 3, fft_length=14), 12, 3, fft_length=14,
        window_fn=t.signal.inverse_stft_window_fn(3)),
    # fft_length < frame_length: TF's RFFT gradient fails there, values only.
    "inverse_stft_short_fft": lambda t, x: t.signal.inverse_stft(
        t.signal.stft(x, 12, 3, fft_length=10), 12, 3, fft_length=10),
    "mel_matrix": lambda t, x: t.signal.linear_to_mel_weight_matrix(),
    "mel_matrix_64": lambda t, x: t.signal.linear_to_mel_weight_matrix(
        40, 257, 16000, 20.0, 7600.0, dtype=t.float64),
    "mfccs": lambda t, x: t.signal.mfccs_from_log_mel_spectrograms(t.log(
        t.matmul(t.abs(t.signal.stft(x, 16, 8)), t.signal.linear_to_mel_weight_matrix(
            8, 9, 1000, 20.0, 480.0, dtype=t.float64)) + 1e-3)),
}


def _values_and_grad(t, key):
    g = t.Graph()
    with g.as_default():
        x = t.placeholder(t.float64, X.shape)
        e = _TF[key](t, x)
        fetch = [e]
        if key not in ("hann", "hamming_sym", "mel_matrix", "mel_matrix_64",
                       "inverse_stft_short_fft"):
            fetch += t.gradients(t.reduce_sum(t.abs(e) * t.abs(e)), x)
        with t.Session(graph=g) as s:
            return s.run(fetch, {x: X}), e.shape.as_list(), e.dtype.name


@pytest.mark.parametrize("key", sorted(_TF))
def test_values_and_gradients_match_tensorflow(key):
    tfr = pytest.importorskip("tensorflow")
    tf1 = tfr.compat.v1
    tf1.disable_v2_behavior()
    want, wshape, wdtype = _values_and_grad(tf1, key)
    got, gshape, gdtype = _values_and_grad(tf, key)
    assert (gshape, gdtype) == (wshape, wdtype)
    for w, v in zip(want, got):
        assert isinstance(v, np.ndarray) and v.dtype == np.asarray(w).dtype
        tol = 1e-5 if v.dtype == np.float32 else 1e-6  # float32 linspace rounding
        np.testing.assert_allclose(v, w, rtol=tol, atol=tol, err_msg=key)


def test_mel_matrix_argument_errors():
    m = tf.signal.linear_to_mel_weight_matrix
    for kwargs in ({"num_mel_bins": 0}, {"lower_edge_hertz": -1.0},
                   {"lower_edge_hertz": 500.0, "upper_edge_hertz": 400.0},
                   {"upper_edge_hertz": 5000.0}, {"dtype": tf.int32}):
        with tf.Graph().as_default(), pytest.raises(ValueError):
            m(**kwargs)


def test_inverse_stft_reconstructs_the_signal():
    with tf.Graph().as_default():
        x = tf.constant(X)
        spec = tf.signal.stft(x, 16, 4)
        back = tf.signal.inverse_stft(spec, 16, 4,
                                      window_fn=tf.signal.inverse_stft_window_fn(4))
        got = _run(back)
    # Away from the edges (where fewer frames overlap) the signal comes back exactly.
    np.testing.assert_allclose(got[:, 16:-16], X[:, 16:got.shape[1] - 16], atol=1e-10)
