"""tf.audio.decode_wav / encode_wav: bytes, samples, shapes and errors against TF and the
standard library's `wave` module."""
import io
import wave

import numpy as np
import pytest

import flowgraph as tf

EXEMPT = {"DecodeWav": "test_audio_ops.py (file bytes, not a numeric case)",
          "EncodeWav": "test_audio_ops.py (file bytes, not a numeric case)"}
AUDIO = np.float32([[0.5, -0.25], [0.1, 1.0], [-1.0, 0.0], [0.33333, -0.7777]])


def _wav(samples, channels=1, rate=8000, width=2):
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples, "<i2").tobytes())
    return buf.getvalue()


def _run(mod, build):
    with mod.Graph().as_default():
        out = build(mod)
        with mod.Session() as s:
            return s.run(out)


def test_decode_matches_wave_module():
    data = _wav([0, 16384, -32768, 32767, -1, 2], channels=2, rate=22050)
    audio, rate = _run(tf, lambda m: m.audio.decode_wav(data))
    np.testing.assert_array_equal(audio, np.float32([[0, 16384], [-32768, 32767], [-1, 2]])
                                  / 32768)
    assert rate == 22050 and audio.dtype == np.float32


def test_encode_readable_by_wave_module():
    data = _run(tf, lambda m: m.audio.encode_wav(AUDIO, 16000))
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == \
            (2, 2, 16000, 4)


def test_shapes_and_desired():
    with tf.Graph().as_default():
        d = tf.audio.decode_wav(tf.placeholder(tf.string, []), desired_channels=1,
                                desired_samples=5)
        assert d[0].shape.as_list() == [5, 1] and d[1].shape.as_list() == []
    data = _wav([100, 200, 300], channels=1)
    audio, _ = _run(tf, lambda m: m.audio.decode_wav(data, desired_channels=2,
                                                      desired_samples=5))
    np.testing.assert_array_equal(audio, np.float32([[100, 100], [200, 200], [300, 300],
                                                     [0, 0], [0, 0]]) / 32768)


@pytest.mark.parametrize("bad", [b"", b"RIFF\x00\x00\x00\x00WAVX", b"not a wav at all!!",
                                 _wav([1, 2, 3])[:30], _wav([1, 2], width=1)])
def test_malformed_input_is_invalid_argument(bad):
    with pytest.raises(tf.errors.InvalidArgumentError):
        _run(tf, lambda m: m.audio.decode_wav(bad))


def test_same_as_tensorflow():
    tft = pytest.importorskip("tensorflow").compat.v1
    ours = _run(tf, lambda m: m.audio.encode_wav(AUDIO, 16000))
    theirs = _run(tft, lambda m: m.audio.encode_wav(AUDIO, 16000))
    assert ours == theirs
    for data, kw in [(_wav([0, 16384, -32768, 32767, -1, 2], channels=2), {}),
                     (_wav([5, -7, 9]), {"desired_channels": 2, "desired_samples": 2}),
                     (_wav([5, -7, 9, 11], channels=2), {"desired_channels": 1})]:
        a = _run(tf, lambda m: m.audio.decode_wav(data, **kw))
        b = _run(tft, lambda m: m.audio.decode_wav(data, **kw))
        np.testing.assert_array_equal(a[0], b[0])
        assert a[1] == b[1]
    for bad in [b"", _wav([1, 2, 3])[:30]]:
        with pytest.raises(tft.errors.InvalidArgumentError):
            _run(tft, lambda m: m.audio.decode_wav(bad))
