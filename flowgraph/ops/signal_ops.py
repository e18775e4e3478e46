"""Short-time spectra under `tf.signal`: `hann_window`, `hamming_window`, `frame`,
`overlap_and_add`, `stft`, `inverse_stft` (and its window), `linear_to_mel_weight_matrix`
and `mfccs_from_log_mel_spectrograms`, built from gathers, segment sums, casts, the
(I)RFFT ops and the DCT."""
import math

import numpy as np

from flowgraph.framework import dtypes
from flowgraph.framework.graph import name_scope
from flowgraph.framework.op_builder import constant_value, convert_to_tensor

__all__ = []
__namespaces__ = {"signal": ["hann_window", "hamming_window", "frame", "stft",
                             "overlap_and_add", "inverse_stft", "inverse_stft_window_fn",
                             "linear_to_mel_weight_matrix", "mfccs_from_log_mel_spectrograms"]}


def _raised_cosine(window_length, periodic, dtype, a, b, name, default):
    """a - b cos(2 pi k / n) for k < window_length, with n = window_length - 1, or
    window_length when `periodic` and window_length is even (TF's rule)."""
    from flowgraph.ops import creation_ops, math_ops, unary_ops
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"dtype must be a floating point type. Found {dtype}")
    with name_scope(name, default, [window_length, periodic]):
        length = convert_to_tensor(window_length, dtype=dtypes.int32, name="window_length")
        length.shape.with_rank(0)
        n_const, p_const = constant_value(length), constant_value(periodic)
        if n_const is not None and int(n_const) == 1:
            return creation_ops.ones([1], dtype)
        if n_const is not None and p_const is not None:
            size = int(n_const)
            n = size - 1 + (1 if bool(p_const) and size % 2 == 0 else 0)
            k = np.arange(size)
            w = a - b * np.cos(2 * np.pi * k / n) if n else np.ones([size])
            return convert_to_tensor(w.astype(dtype.as_numpy_dtype))
        p = unary_ops.cast(convert_to_tensor(periodic, dtype=dtypes.bool), dtypes.int32)
        even = 1 - math_ops.floormod(length, 2)
        n = unary_ops.cast(length + p * even - 1, dtype)
        k = unary_ops.cast(creation_ops.range(length), dtype)
        arg = convert_to_tensor(2 * math.pi, dtype=dtype) * k / n
        return convert_to_tensor(a, dtype=dtype) - convert_to_tensor(b, dtype=dtype) * \
            unary_ops.cos(arg)


def hann_window(window_length, periodic=True, dtype=dtypes.float32, name=None):
    """The Hann window 0.5 - 0.5 cos(2 pi k / n) of `window_length` points."""
    return _raised_cosine(window_length, periodic, dtype, 0.5, 0.5, name, "hann_window")


def hamming_window(window_length, periodic=True, dtype=dtypes.float32, name=None):
    """The Hamming window 0.54 - 0.46 cos(2 pi k / n) of `window_length` points."""
    return _raised_cosine(window_length, periodic, dtype, 0.54, 0.46, name,
                          "hamming_window")


def _const_int(v, what):
    c = constant_value(convert_to_tensor(v, dtype=dtypes.int32))
    if c is None or np.ndim(c) != 0:
        raise ValueError(f"{what} must be a constant scalar")
    return int(c)


def frame(signal, frame_length, frame_step, pad_end=False, pad_value=0, axis=-1, name=None):
    """Expands the `axis` dimension of `signal` into frames of `frame_length` samples taken
    every `frame_step` samples (padding the end with `pad_value` when `pad_end`)."""
    from flowgraph.ops import gather_ops, manip_ops
    with name_scope(name, "frame", [signal, frame_length, frame_step, pad_value]):
        x = convert_to_tensor(signal, name="signal")
        length = _const_int(frame_length, "frame_length")
        step = _const_int(frame_step, "frame_step")
        rank = x.shape.ndims
        if rank is None or rank < 1:
            raise ValueError("frame needs a signal of known rank at least 1")
        ax = axis % rank
        size = x.shape.as_list()[ax]
        if size is None:
            raise ValueError("frame needs a known size of the framed axis")
        if pad_end:
            count = -(-size // step)
            extra = max(0, (count - 1) * step + length - size)
            if extra:
                pads = [[0, 0]] * rank
                pads[ax] = [0, extra]
                x = manip_ops.pad(x, pads, constant_values=pad_value)
        else:
            count = max(0, 1 + (size - length) // step) if size >= length else 0
        idx = (step * np.arange(count)[:, None] + np.arange(length)[None, :]).astype(np.int32)
        if ax:
            return gather_ops.gather(x, idx, axis=ax)
        # Gathering on a leading unit axis instead keeps the gradient dense (as TF's).
        from flowgraph.ops import array_ops
        framed = gather_ops.gather(array_ops.expand_dims(x, 0), idx, axis=1)
        return array_ops.squeeze(framed, [0])


def stft(signals, frame_length, frame_step, fft_length=None, window_fn=hann_window,
         pad_end=False, name=None):
    """The short-time Fourier transform: the RFFT of each windowed frame of `signals`'
    last axis, shape [..., frames, fft_length // 2 + 1]."""
    from flowgraph.ops import math_ops
    from flowgraph.ops.spectral_ops import rfft
    with name_scope(name, "stft", [signals, frame_length, frame_step]):
        x = convert_to_tensor(signals, name="signals")
        x.shape.with_rank_at_least(1)
        length = _const_int(frame_length, "frame_length")
        if fft_length is None:
            fft_length = 1 << max(0, (length - 1).bit_length())  # enclosing power of two
        framed = frame(x, length, frame_step, pad_end=pad_end)
        if window_fn is not None:
            framed = math_ops.multiply(framed, window_fn(length, dtype=framed.dtype))
        return rfft(framed, [fft_length])


def _hertz_to_mel(f):
    return 1127.0 * np.log(1.0 + f / 700.0)


def linear_to_mel_weight_matrix(num_mel_bins=20, num_spectrogram_bins=129, sample_rate=8000,
                                lower_edge_hertz=125.0, upper_edge_hertz=3800.0,
                                dtype=dtypes.float32, name=None):
    """A [num_spectrogram_bins, num_mel_bins] matrix of triangular mel-band weights that
    maps a linear spectrogram (DC .. Nyquist) to the mel scale (HTK's formula)."""
    dtype = dtypes.as_dtype(dtype)
    with name_scope(name, "linear_to_mel_weight_matrix"):
        rate = constant_value(convert_to_tensor(sample_rate))
        if rate is None:
            raise ValueError("sample_rate must be a constant")
        rate = float(rate)
        if num_mel_bins <= 0:
            raise ValueError(f"num_mel_bins must be positive. Got: {num_mel_bins}")
        if lower_edge_hertz < 0.0:
            raise ValueError(f"lower_edge_hertz must be non-negative. Got: {lower_edge_hertz}")
        if lower_edge_hertz >= upper_edge_hertz:
            raise ValueError(f"lower_edge_hertz {lower_edge_hertz:.1f} >= upper_edge_hertz "
                             f"{upper_edge_hertz:.1f}")
        if rate <= 0.0:
            raise ValueError(f"sample_rate must be positive. Got: {rate}")
        if upper_edge_hertz > rate / 2:
            raise ValueError(f"upper_edge_hertz must not be larger than the Nyquist "
                             f"frequency (sample_rate / 2). Got {upper_edge_hertz} for "
                             f"sample_rate: {rate}")
        if not dtype.is_floating:
            raise ValueError(f"dtype must be a floating point type. Got: {dtype}")
        # In the requested precision, as TF computes it.
        ft = dtype.as_numpy_dtype
        freqs = np.linspace(0.0, rate / 2.0, num_spectrogram_bins).astype(ft)[1:]
        bins = _hertz_to_mel(freqs)[:, None].astype(ft)
        edges = np.linspace(_hertz_to_mel(ft(lower_edge_hertz)),
                            _hertz_to_mel(ft(upper_edge_hertz)), num_mel_bins + 2).astype(ft)
        lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
        weights = np.maximum(0.0, np.minimum((bins - lower) / (center - lower),
                                             (upper - bins) / (upper - center)))
        weights = np.concatenate([np.zeros([1, num_mel_bins]), weights], 0)  # DC: no weight
        return convert_to_tensor(weights.astype(ft), name=name)


def mfccs_from_log_mel_spectrograms(log_mel_spectrograms, name=None):
    """Mel-frequency cepstral coefficients: the type-II DCT of the last axis scaled by
    sqrt(1 / (2 num_mel_bins)) (HTK's scaling)."""
    from flowgraph.ops import math_ops
    from flowgraph.ops.spectral_ops import dct
    with name_scope(name, "mfccs_from_log_mel_spectrograms", [log_mel_spectrograms]):
        x = convert_to_tensor(log_mel_spectrograms)
        bins = x.shape.as_list()[-1] if x.shape.ndims else None
        if bins == 0:
            raise ValueError(f"num_mel_bins must be positive. Got: {x}")
        dct2 = dct(x, type=2)
        return math_ops.multiply(dct2, convert_to_tensor(1.0 / math.sqrt(2.0 * bins),
                                                         dtype=dct2.dtype))


def overlap_and_add(signal, frame_step, name=None):
    """Sums frames [..., frames, frame_length] placed every `frame_step` samples into a
    signal [..., (frames - 1) * frame_step + frame_length]: the inverse of `frame`."""
    from flowgraph.ops import array_ops, gather_ops
    with name_scope(name, "overlap_and_add", [signal, frame_step]):
        x = convert_to_tensor(signal, name="signal")
        step = _const_int(frame_step, "frame_step")
        rank = x.shape.ndims
        if rank is None or rank < 2:
            raise ValueError(f"input must have rank at least 2, got {x.shape}")
        count, length = x.shape.as_list()[-2:]
        if count is None or length is None:
            raise ValueError("overlap_and_add needs known sizes of the last two axes")
        out_len = (count - 1) * step + length if count else 0
        # Frames to the front, one row per sample, summed by output position.
        perm = [rank - 2, rank - 1] + list(range(rank - 2))
        rows = array_ops.reshape(array_ops.transpose(x, perm), [count * length, -1])
        pos = (step * np.arange(count)[:, None] + np.arange(length)[None, :]).reshape(-1)
        summed = gather_ops.unsorted_segment_sum(rows, pos.astype(np.int32), out_len)
        batch = array_ops.shape(x)[:-2]
        from flowgraph.ops import join_ops
        out = array_ops.reshape(summed, join_ops.concat([[out_len], batch], 0))
        out = array_ops.transpose(out, list(range(1, rank - 1)) + [0])
        out.set_shape(x.shape[:-2].concatenate([out_len]))
        return out


def inverse_stft_window_fn(frame_step, forward_window_fn=hann_window, name=None):
    """A window function for `inverse_stft` that undoes `forward_window_fn`'s weighting
    (the forward window over the sum of its squared overlapping copies)."""
    from flowgraph.ops import manip_ops, math_ops, reduction_ops, unary_ops
    from flowgraph.ops import array_ops

    def window(frame_length, dtype):
        with name_scope(name, "inverse_stft_window_fn", [forward_window_fn]):
            step = _const_int(frame_step, "frame_step")
            length = _const_int(frame_length, "frame_length")
            forward = forward_window_fn(length, dtype=dtype)
            overlaps = -(-length // step)
            denom = manip_ops.pad(unary_ops.square(forward), [[0, overlaps * step - length]])
            denom = reduction_ops.reduce_sum(array_ops.reshape(denom, [overlaps, step]), 0,
                                             keepdims=True)
            denom = array_ops.reshape(manip_ops.tile(denom, [overlaps, 1]), [overlaps * step])
            return math_ops.truediv(forward, denom[:length])
    return window


def inverse_stft(stfts, frame_length, frame_step, fft_length=None, window_fn=hann_window,
                 name=None):
    """Signals from their STFTs [..., frames, fft_length // 2 + 1]: the IRFFT of each frame,
    cut or padded to `frame_length`, windowed, and overlapped-and-added."""
    from flowgraph.ops import manip_ops, math_ops
    from flowgraph.ops.spectral_ops import irfft
    with name_scope(name, "inverse_stft", [stfts]):
        z = convert_to_tensor(stfts, name="stfts")
        z.shape.with_rank_at_least(2)
        length = _const_int(frame_length, "frame_length")
        if fft_length is None:
            fft_length = 1 << max(0, (length - 1).bit_length())
        frames = irfft(z, [fft_length])
        have = frames.shape.as_list()[-1]
        if have > length:
            frames = frames[..., :length]
        elif have < length:
            frames = manip_ops.pad(frames, [[0, 0]] * (frames.shape.ndims - 1) +
                                   [[0, length - have]])
        if window_fn is not None:
            frames = math_ops.multiply(frames, window_fn(length, dtype=z.dtype.real_dtype))
        return overlap_and_add(frames, frame_step)
