"""embedding_column(ckpt_to_load_from=..., tensor_name_in_ckpt=...): the embedding starts
from the checkpoint's tensor (hand-computed mean of the saved rows)."""
import numpy as np

import flowgraph as fg


def test_embedding_starts_from_checkpoint(tmp_path):
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    with fg.Graph().as_default():
        v = fg.get_variable("old/emb", initializer=table)
        with fg.Session() as s:
            s.run(v.initializer)
            path = fg.train.Saver().save(s, str(tmp_path / "model.ckpt"))
    with fg.Graph().as_default():
        fc = fg.feature_column
        ids = fc.categorical_column_with_identity("i", 4)
        col = fc.embedding_column(ids, 3, ckpt_to_load_from=path,
                                  tensor_name_in_ckpt="old/emb")
        sp = fg.SparseTensor([[0, 0], [0, 1], [1, 0]], fg.constant([0, 2, 3], fg.int64),
                             [2, 2])
        out = fc.input_layer({"i": sp}, [col])
        with fg.Session() as s:
            s.run(fg.global_variables_initializer())
            got = s.run(out)
    np.testing.assert_allclose(got, [(table[0] + table[2]) / 2, table[3]])
