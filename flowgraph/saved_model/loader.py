"""`tf.saved_model.loader`: loads the meta graph of a SavedModel whose tags match into a
session's graph, restores its variables from `variables/variables` and runs its main op
(asset tensors fed with the paths of the copies under `assets/`)."""
import os

from google.protobuf import text_format
from google.protobuf.message import DecodeError

from flowgraph import tf_logging
from flowgraph.framework.graph import GraphKeys
from flowgraph.proto import meta_graph_pb2, saved_model_pb2
from flowgraph.saved_model import constants, signature_def_utils
from flowgraph.train import saver as saver_lib

__all__ = ["load", "maybe_saved_model_directory", "contains_saved_model"]


def saved_model_file(export_dir):
    """The path of `export_dir`'s `saved_model.pb`, else its `.pbtxt`, else None."""
    export_dir = constants._as_str(export_dir)
    for name in (constants.SAVED_MODEL_FILENAME_PB, constants.SAVED_MODEL_FILENAME_PBTXT):
        path = os.path.join(export_dir, name)
        if os.path.isfile(path):
            return path
    return None


def read_saved_model_file(path):
    """The SavedModel proto in `path` (binary, or text for `.pbtxt`); ValueError if it
    does not parse."""
    with open(path, "rb") as f:
        data = f.read()
    saved_model = saved_model_pb2.SavedModel()
    try:
        if path.endswith(".pbtxt"):
            text_format.Parse(data.decode("utf-8"), saved_model)
        else:
            saved_model.ParseFromString(data)
    except (DecodeError, RuntimeError, UnicodeDecodeError, text_format.ParseError) as e:
        raise ValueError(str(e)) from None
    return saved_model


def parse_saved_model(export_dir):
    """The SavedModel proto of `export_dir` (`saved_model.pb`, else `.pbtxt`); IOError
    when neither exists or the file does not parse."""
    path = saved_model_file(export_dir)
    if path is None:
        raise IOError(f"SavedModel file does not exist at: {constants._as_str(export_dir)}"
                      f"{os.path.sep}{{{constants.SAVED_MODEL_FILENAME_PBTXT}|"
                      f"{constants.SAVED_MODEL_FILENAME_PB}}}")
    try:
        return read_saved_model_file(path)
    except ValueError as e:
        raise IOError(f"Cannot parse file {path}: {e}.") from None


def maybe_saved_model_directory(export_dir):
    """Whether `export_dir` holds a SavedModel file (it may still fail to load)."""
    export_dir = constants._as_str(export_dir)
    return any(os.path.exists(os.path.join(export_dir, n)) for n in (
        constants.SAVED_MODEL_FILENAME_PBTXT, constants.SAVED_MODEL_FILENAME_PB,
        constants.SAVED_MODEL_FILENAME_CPB))


contains_saved_model = maybe_saved_model_directory


def get_asset_tensors(export_dir, meta_graph_def, import_scope=None):
    """{asset tensor name: path of its file under `export_dir/assets`}."""
    protos = list(meta_graph_def.asset_file_def)
    if not protos and constants.ASSETS_KEY in meta_graph_def.collection_def:
        for packed in meta_graph_def.collection_def[constants.ASSETS_KEY].any_list.value:
            p = meta_graph_pb2.AssetFileDef()
            try:
                p.ParseFromString(packed.value)
            except DecodeError as e:
                raise IOError(f"Cannot parse an asset of the SavedModel: {e}") from None
            protos.append(p)
    assets_dir = os.path.join(constants._as_str(export_dir), constants.ASSETS_DIRECTORY)
    out = {}
    for p in protos:
        name = p.tensor_info.name
        if import_scope:
            name = f"{import_scope}/{name}"
        out[name] = os.path.join(assets_dir, p.filename).encode()
    return out


def _op_from_collection(meta_graph_def, graph, key):
    if key not in meta_graph_def.collection_def:
        return None
    names = meta_graph_def.collection_def[key].node_list.value
    if len(names) != 1:
        raise RuntimeError(f"Expected exactly one SavedModel init op. Found {len(names)}: "
                           f"{names}.")
    return graph.get_collection(key)[0]


def get_init_op(meta_graph_def, graph, import_scope=None):
    """The op to run after restoring: the `__saved_model_init_op` signature's, else the
    main op collection's, else the legacy init op's."""
    if constants.INIT_OP_SIGNATURE_KEY in meta_graph_def.signature_def:
        return signature_def_utils.load_op_from_signature_def(
            meta_graph_def.signature_def[constants.INIT_OP_SIGNATURE_KEY],
            constants.INIT_OP_SIGNATURE_KEY, import_scope)
    return (_op_from_collection(meta_graph_def, graph, constants.MAIN_OP_KEY) or
            _op_from_collection(meta_graph_def, graph, constants.LEGACY_INIT_OP_KEY))


class SavedModelLoader:
    """Loads graphs and restores variable values from a SavedModel."""

    def __init__(self, export_dir):
        self._export_dir = constants._as_str(export_dir)
        self._variables_path = constants.get_variables_path(self._export_dir)
        self._saved_model = parse_saved_model(self._export_dir)

    export_dir = property(lambda self: self._export_dir)
    variables_path = property(lambda self: self._variables_path)
    saved_model = property(lambda self: self._saved_model)

    def get_meta_graph_def_from_tags(self, tags):
        """The MetaGraphDef whose tag set is exactly `tags`; RuntimeError if none."""
        available = []
        for meta in self._saved_model.meta_graphs:
            have = set(meta.meta_info_def.tags)
            available.append(have)
            if have == set(tags):
                return meta
        raise RuntimeError(
            f"MetaGraphDef associated with tags {str(tags).strip('[]')} could not be found "
            f"in SavedModel, with available tags '{available}'. To inspect available "
            "tag-sets in the SavedModel, please use the SavedModel CLI: `saved_model_cli`.")

    def load_graph(self, graph, tags, import_scope=None, **saver_kwargs):
        """Imports the meta graph of `tags` into `graph`; returns (saver, None)."""
        meta = self.get_meta_graph_def_from_tags(tags)
        with graph.as_default():
            return saver_lib.import_meta_graph(meta, import_scope=import_scope,
                                               **saver_kwargs), None

    def restore_variables(self, sess, saver, import_scope=None):
        """Restores the variables from `variables/variables` through `saver`."""
        g = sess.graph
        if saver is None and not (g.get_collection(GraphKeys.GLOBAL_VARIABLES, import_scope)
                                  or g.get_collection(GraphKeys.SAVEABLE_OBJECTS,
                                                      import_scope)):
            tf_logging.info("The specified SavedModel has no variables; no checkpoints "
                            "were restored.")
        elif isinstance(saver, saver_lib.Saver):
            saver.restore(sess, self._variables_path)
        else:
            raise ValueError("No tf.train.Saver object was passed to the function "
                             "`SavedModelLoader.restore_variables`. Since there are "
                             "variables in the graph, a saver is required.")

    def run_init_ops(self, sess, tags, import_scope=None):
        """Runs the init (main) op, the asset tensors fed with their files' paths."""
        meta = self.get_meta_graph_def_from_tags(tags)
        with sess.graph.as_default():
            assets = get_asset_tensors(self._export_dir, meta, import_scope)
            init_op = get_init_op(meta, sess.graph, import_scope)
            if init_op is not None:
                sess.run([init_op], feed_dict=assets)

    def load(self, sess, tags, import_scope=None, **saver_kwargs):
        """Loads, restores and initializes; returns the MetaGraphDef of `tags`."""
        with sess.graph.as_default():
            saver, _ = self.load_graph(sess.graph, tags, import_scope, **saver_kwargs)
            self.restore_variables(sess, saver, import_scope)
            self.run_init_ops(sess, tags, import_scope)
        return self.get_meta_graph_def_from_tags(tags)


def load(sess, tags, export_dir, import_scope=None, **saver_kwargs):
    """Loads the meta graph of the SavedModel in `export_dir` tagged exactly `tags` into
    `sess`'s graph, restores its variables and runs its main op; returns the
    MetaGraphDef (names in it are not prefixed with `import_scope`)."""
    return SavedModelLoader(export_dir).load(sess, tags, import_scope, **saver_kwargs)
