"""keras.preprocessing.sequence and .text against tf_keras's on the same inputs."""

import json

import numpy as np
import pytest

from flowgraph.keras.preprocessing import image, sequence, text


@pytest.fixture(scope="module")
def tfk():
    pytest.importorskip("tensorflow")
    return pytest.importorskip("tf_keras")


SEQS = [[1, 2, 3], [4, 5], [], [6, 7, 8, 9, 10]]


@pytest.mark.parametrize("kw", [
    {}, {"maxlen": 3}, {"maxlen": 4, "padding": "post"}, {"maxlen": 2, "truncating": "post"},
    {"maxlen": 6, "value": -1}, {"dtype": "float32", "value": 0.5}, {"maxlen": 1},
])
def test_pad_sequences_as_tf_keras(tfk, kw):
    got = sequence.pad_sequences(SEQS, **kw)
    want = tfk.preprocessing.sequence.pad_sequences(SEQS, **kw)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_pad_sequences_hand_and_errors():
    np.testing.assert_array_equal(sequence.pad_sequences([[1], [2, 3]]), [[0, 1], [2, 3]])
    x = sequence.pad_sequences([np.ones((2, 3)), np.ones((1, 3))], maxlen=3)
    assert x.shape == (2, 3, 3) and x[1, :2].sum() == 0
    s = sequence.pad_sequences([["a", "b"], ["c"]], dtype=object, value="_")
    assert s.tolist() == [["a", "b"], ["_", "c"]]
    with pytest.raises(ValueError, match="not understood"):
        sequence.pad_sequences(SEQS, padding="middle")
    with pytest.raises(ValueError, match="not understood"):
        sequence.pad_sequences(SEQS, truncating="middle")
    with pytest.raises(ValueError, match="non-iterable"):
        sequence.pad_sequences([[1], 2])
    with pytest.raises(ValueError, match="is not compatible"):
        sequence.pad_sequences([[1]], value="x")
    with pytest.raises(ValueError, match="different from expected shape"):
        sequence.pad_sequences([[[1, 2]], [[1, 2, 3]]])


@pytest.mark.parametrize("kw", [
    {"length": 3}, {"length": 4, "sampling_rate": 2, "stride": 3, "batch_size": 2},
    {"length": 2, "start_index": 3, "end_index": 15, "reverse": True, "batch_size": 5},
])
def test_timeseries_generator_as_tf_keras(tfk, kw):
    data = np.arange(40).reshape(20, 2)
    targets = np.arange(20) * 10
    ours = sequence.TimeseriesGenerator(data, targets, **kw)
    ref = tfk.preprocessing.sequence.TimeseriesGenerator(data, targets, **kw)
    assert len(ours) == len(ref)
    for i in range(len(ref)):
        for a, b in zip(ours[i], ref[i]):
            np.testing.assert_array_equal(a, b)
    assert json.loads(ours.to_json()) == json.loads(ref.to_json())


def test_timeseries_generator_errors():
    with pytest.raises(ValueError, match="same length"):
        sequence.TimeseriesGenerator(np.zeros(3), np.zeros(4), 1)
    with pytest.raises(ValueError, match="is disallowed"):
        sequence.TimeseriesGenerator(np.zeros(3), np.zeros(3), 5)
    gen = sequence.TimeseriesGenerator(np.arange(10), np.arange(10), 2, batch_size=4,
                                       shuffle=True)
    x, y = gen[0]
    assert x.shape == (4, 2) and np.all(x[:, 1] + 1 == y)


def test_make_sampling_table(tfk):
    np.testing.assert_allclose(sequence.make_sampling_table(50, 1e-3),
                               tfk.preprocessing.sequence.make_sampling_table(50, 1e-3))


TEXTS = ["The cat sat on the mat.", "The dog ate my homework!", "cat, dog; CAT -- mat?",
         "Hello\tworld\nagain", ""]


@pytest.mark.parametrize("kw", [{}, {"lower": False}, {"split": ","}, {"filters": "."}])
def test_text_to_word_sequence(tfk, kw):
    for t in TEXTS:
        assert text.text_to_word_sequence(t, **kw) == \
            tfk.preprocessing.text.text_to_word_sequence(t, **kw)


def test_hashing_trick_md5_and_one_hot(tfk):
    for t in TEXTS:
        assert text.hashing_trick(t, 17, "md5") == \
            tfk.preprocessing.text.hashing_trick(t, 17, "md5")
        assert text.one_hot(t, 9) == tfk.preprocessing.text.one_hot(t, 9)
    assert text.hashing_trick("a b", 5, hash_function=len) == [2, 2]


@pytest.mark.parametrize("kw", [
    {}, {"num_words": 4}, {"oov_token": "<unk>"}, {"num_words": 5, "oov_token": "<unk>"},
    {"char_level": True}, {"lower": False, "filters": ""},
])
def test_tokenizer_as_tf_keras(tfk, kw):
    ours = text.Tokenizer(**kw)
    ref = tfk.preprocessing.text.Tokenizer(**kw)
    for t in (ours, ref):
        t.fit_on_texts(TEXTS[:3])
        t.fit_on_texts([["Word", "list", "cat"]])
    assert ours.word_index == ref.word_index and ours.index_word == ref.index_word
    assert list(ours.word_counts.items()) == list(ref.word_counts.items())
    assert dict(ours.word_docs) == dict(ref.word_docs)
    assert dict(ours.index_docs) == dict(ref.index_docs)
    probe = TEXTS + ["unseen words here cat"]
    seqs = ours.texts_to_sequences(probe)
    assert seqs == ref.texts_to_sequences(probe)
    assert ours.sequences_to_texts(seqs + [[0, 99, 1]]) == \
        ref.sequences_to_texts(seqs + [[0, 99, 1]])
    for mode in ("binary", "count", "freq", "tfidf"):
        np.testing.assert_allclose(ours.texts_to_matrix(probe, mode),
                                   ref.texts_to_matrix(probe, mode))
    assert json.loads(ours.to_json()) == json.loads(ref.to_json())
    back = text.tokenizer_from_json(ref.to_json())
    assert back.texts_to_sequences(probe) == seqs
    theirs = tfk.preprocessing.text.tokenizer_from_json(ours.to_json())
    assert theirs.texts_to_sequences(probe) == seqs


def test_tokenizer_sequences_and_errors(tfk):
    ours, ref = text.Tokenizer(num_words=6), tfk.preprocessing.text.Tokenizer(num_words=6)
    for t in (ours, ref):
        t.fit_on_sequences([[1, 2, 2], [3], [1, 5, 7]])
    np.testing.assert_allclose(ours.sequences_to_matrix([[1, 2, 2, 9], []], "tfidf"),
                               ref.sequences_to_matrix([[1, 2, 2, 9], []], "tfidf"))
    with pytest.raises(ValueError, match="Specify a dimension"):
        text.Tokenizer().sequences_to_matrix([[1]])
    with pytest.raises(ValueError, match="tfidf"):
        text.Tokenizer(num_words=3).sequences_to_matrix([[1]], "tfidf")
    with pytest.raises(ValueError, match="Unknown vectorization mode"):
        ours.sequences_to_matrix([[1]], "bogus")
    with pytest.raises(TypeError, match="Unrecognized keyword"):
        text.Tokenizer(bogus=1)


# --- image ------------------------------------------------------------------------------

@pytest.mark.parametrize("channels,fmt", [(3, "channels_last"), (1, "channels_last"),
                                          (4, "channels_first"), (3, "channels_first")])
@pytest.mark.parametrize("scale", [True, False])
def test_array_to_img_and_back_as_tf_keras(tfk, channels, fmt, scale):
    shape = (channels, 5, 7) if fmt == "channels_first" else (5, 7, channels)
    x = np.random.RandomState(channels).rand(*shape).astype("float32") * 200
    ours = image.array_to_img(x, data_format=fmt, scale=scale)
    ref = tfk.preprocessing.image.array_to_img(x, data_format=fmt, scale=scale)
    assert ours.mode == ref.mode and ours.size == ref.size
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(ref))
    back = image.img_to_array(ours, data_format=fmt)
    np.testing.assert_array_equal(back, tfk.preprocessing.image.img_to_array(ref,
                                                                            data_format=fmt))
    assert back.dtype == np.float32


@pytest.mark.parametrize("kw", [
    {}, {"color_mode": "grayscale"}, {"color_mode": "rgba"},
    {"target_size": (4, 6)}, {"target_size": (4, 6), "interpolation": "bilinear"},
    {"target_size": (5, 5), "keep_aspect_ratio": True, "interpolation": "bicubic"},
])
def test_load_img_as_tf_keras(tfk, tmp_path, kw):
    x = np.random.RandomState(0).randint(0, 256, (9, 12, 3)).astype("float32")
    path = str(tmp_path / "img.png")
    image.save_img(path, x, scale=False)
    ours = image.load_img(path, **kw)
    ref = tfk.preprocessing.image.load_img(path, **kw)
    assert ours.mode == ref.mode and ours.size == ref.size
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(ref))
    np.testing.assert_array_equal(np.asarray(image.load_img(path)), x.astype("uint8"))


def test_image_errors(tmp_path):
    with pytest.raises(ValueError, match="rank 3"):
        image.array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="Unsupported channel number"):
        image.array_to_img(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="Unsupported image shape"):
        image.img_to_array(np.zeros((2, 2, 2, 2)))
    with pytest.raises(TypeError, match="path-like"):
        image.load_img(3)
    image.save_img(str(tmp_path / "a.png"), np.zeros((2, 2, 3)))
    with pytest.raises(ValueError, match="color_mode"):
        image.load_img(str(tmp_path / "a.png"), color_mode="cmyk")
    with pytest.raises(ValueError, match="Invalid interpolation"):
        image.load_img(str(tmp_path / "a.png"), target_size=(3, 3), interpolation="fancy")
