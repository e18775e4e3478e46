"""`tf.audio`: WAV files (16-bit PCM) decoded to float32 samples in [-1, 1) and back.

Malformed input raises `InvalidArgumentError` naming what is wrong; nothing is executed
from the file."""
import struct

import numpy as np

from flowgraph.framework import errors, tensor_shape
from flowgraph.framework.op_builder import apply_op
from flowgraph.framework.registry import defop, NOT_DIFFERENTIABLE

__all__ = []
__namespaces__ = {"audio": ["decode_wav", "encode_wav"]}


def _bad(msg):
    return errors.InvalidArgumentError(None, None, msg)


def _chunks(data):
    """(id, payload) of each RIFF sub-chunk of a WAVE file."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise _bad("Header mismatch: expected RIFF/WAVE at the start of the WAV data")
    pos = 12
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if pos + 8 + size > len(data):
            raise _bad(f"Data too short when trying to read chunk {cid!r} of {size} bytes")
        yield cid, data[pos + 8:pos + 8 + size]
        pos += 8 + size + (size & 1)


def decode(data, desired_channels=-1, desired_samples=-1):
    """(float32 [samples, channels], sample rate) of 16-bit PCM WAV bytes."""
    fmt = pcm = None
    for cid, payload in _chunks(bytes(data)):
        if cid == b"fmt ":
            if len(payload) < 16:
                raise _bad("Bad fmt chunk: fewer than 16 bytes")
            fmt = struct.unpack("<HHIIHH", payload[:16])
        elif cid == b"data" and fmt is not None:
            pcm = payload
    if fmt is None:
        raise _bad("No fmt chunk found in the WAV data")
    if pcm is None:
        raise _bad("No data chunk found in the WAV data")
    audio_format, channels, rate, _, _, bits = fmt
    if audio_format != 1 or bits != 16:
        raise _bad(f"Only 16-bit PCM WAV files are supported (format {audio_format}, "
                   f"{bits} bits)")
    if channels == 0:
        raise _bad("Bad number of channels: 0")
    frames = len(pcm) // (2 * channels)
    samples = np.frombuffer(pcm[:frames * 2 * channels], "<i2").reshape(frames, channels)
    audio = samples.astype(np.float32) / np.float32(32768.0)
    if desired_channels > 0 and desired_channels != channels:
        if channels == 1:
            audio = np.repeat(audio, desired_channels, axis=1)
        elif desired_channels == 1:
            audio = audio[:, :1]
        else:
            raise _bad(f"Cannot convert {channels} channels to {desired_channels}")
    if desired_samples >= 0:
        audio = audio[:desired_samples]
        if len(audio) < desired_samples:
            audio = np.concatenate([audio, np.zeros((desired_samples - len(audio),
                                                     audio.shape[1]), np.float32)])
    return np.ascontiguousarray(audio), np.int32(rate)


def encode(audio, sample_rate):
    """16-bit PCM WAV bytes of float32 [samples, channels] audio."""
    audio = np.asarray(audio, np.float32)
    if audio.ndim != 2:
        raise _bad(f"audio must be 2-dimensional [samples, channels], got shape "
                   f"{list(audio.shape)}")
    pcm = np.clip(np.round(audio * 32768.0), -32768, 32767).astype("<i2").tobytes()
    frames, channels = audio.shape
    header = b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVE" + b"fmt " + struct.pack(
        "<IHHIIHH", 16, 1, channels, int(sample_rate), int(sample_rate) * channels * 2,
        channels * 2, 16) + b"data" + struct.pack("<I", len(pcm))
    return header + pcm


@defop("DecodeWav", inputs=("contents: string",), outputs=("audio: float", "sample_rate: int32"),
       attrs={"desired_channels": -1, "desired_samples": -1})
class DecodeWav:
    """Decodes a 16-bit PCM WAV file into float32 samples [samples, channels]."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        n = op.get_attr("desired_samples")
        c = op.get_attr("desired_channels")
        return [tensor_shape.TensorShape([n if n >= 0 else None, c if c > 0 else None]),
                tensor_shape.TensorShape([])]

    def kernel(xp, contents, desired_channels, desired_samples):
        return decode(np.asarray(contents).item(), desired_channels, desired_samples)


@defop("EncodeWav", inputs=("audio: float", "sample_rate: int32"), outputs=("contents: string",))
class EncodeWav:
    """Encodes float32 samples [samples, channels] as a 16-bit PCM WAV file."""
    devices = ("CPU",)
    grad = NOT_DIFFERENTIABLE

    def shape(op):
        op.inputs[0].shape.with_rank(2)
        op.inputs[1].shape.with_rank(0)
        return [tensor_shape.TensorShape([])]

    def kernel(xp, audio, sample_rate):
        return np.asarray(encode(audio, sample_rate), dtype=object)


def decode_wav(contents, desired_channels=-1, desired_samples=-1, name=None):
    """(audio, sample_rate) of a WAV file's bytes: float32 [samples, channels] in [-1, 1)."""
    return apply_op("DecodeWav", [contents], {"desired_channels": desired_channels,
                                              "desired_samples": desired_samples}, name=name)


def encode_wav(audio, sample_rate, name=None):
    """A WAV file's bytes (a scalar string) of float32 `audio` [samples, channels]."""
    return apply_op("EncodeWav", [audio, sample_rate], name=name)


