"""`tf.saved_model.builder.SavedModelBuilder`: writes a SavedModel directory as TF1 does,
`saved_model.pb` (or `.pbtxt`) with one MetaGraphDef per tag set, the variables as one
V2 checkpoint `variables/variables` (written by a sharded Saver), asset files copied to
`assets/` and listed in the `saved_model_assets` collection."""
import filecmp
import os
import shutil

from google.protobuf import any_pb2, text_format

from flowgraph import tf_logging
from flowgraph.framework import dtypes, graph_io
from flowgraph.framework.graph import GraphKeys, Operation, Tensor, get_default_graph
from flowgraph.proto import meta_graph_pb2, saved_model_pb2, saver_pb2, types_pb2
from flowgraph.saved_model import (constants, signature_constants, signature_def_utils,
                                   tag_constants)
from flowgraph.train import saver as saver_lib

__all__ = ["SavedModelBuilder", "simple_save"]


class SavedModelBuilder:
    """Builds a SavedModel: the first meta graph is added with the variables
    (`add_meta_graph_and_variables`), later ones share them (`add_meta_graph`); `save`
    writes the SavedModel proto."""

    def __init__(self, export_dir):
        self._saved_model = saved_model_pb2.SavedModel(
            saved_model_schema_version=constants.SAVED_MODEL_SCHEMA_VERSION)
        self._export_dir = constants._as_str(export_dir)
        if os.path.exists(self._export_dir):
            if os.listdir(self._export_dir):
                raise AssertionError(
                    f"Export directory {self._export_dir} already exists, and isn't empty. "
                    "Please choose a different export directory, or delete all the "
                    "contents of the specified directory.")
        else:
            os.makedirs(self._export_dir)
        self._has_saved_variables = False
        self._saved_asset_files = set()

    # -- checks ---------------------------------------------------------------------------
    def _validate_tensor_info(self, info):
        if info is None:
            raise AssertionError("All TensorInfo protos used in the SignatureDefs must have "
                                 "the name and dtype fields set.")
        if info.WhichOneof("encoding") is None:
            raise AssertionError(
                f"Invalid `tensor_info`: {info}. All TensorInfo protos used in the "
                "SignatureDefs must have one of the 'encoding' fields (e.g., name or "
                "coo_sparse) set.")
        if info.dtype == types_pb2.DT_INVALID:
            raise AssertionError(
                f"Invalid `tensor_info`: {info}. All TensorInfo protos used in the "
                "SignatureDefs must have the dtype field set.")

    def _validate_signature_def_map(self, signature_def_map):
        for sig in signature_def_map.values():
            for info in list(sig.inputs.values()) + list(sig.outputs.values()):
                self._validate_tensor_info(info)
        for key, what in ((constants.INIT_OP_SIGNATURE_KEY, "for initialization"),
                          (constants.TRAIN_OP_SIGNATURE_KEY, "for the train op")):
            if key in signature_def_map:
                raise KeyError(f'SignatureDef map key "{key}" is reserved {what}. Please use '
                               "a different key.")

    # -- collections ----------------------------------------------------------------------
    def _add_collections(self, assets_collection, main_op):
        self._save_and_write_assets(assets_collection)
        self._maybe_add_main_op(main_op)

    def _save_and_write_assets(self, assets_collection):
        filenames = _save_assets(assets_collection)
        if not filenames:
            tf_logging.info("No assets to write.")
            return
        copy_assets_to_destination_dir(filenames, self._export_dir, self._saved_asset_files)

    def _maybe_add_main_op(self, main_op):
        if main_op is None:
            return
        if not isinstance(main_op, Operation):
            raise TypeError(f"Expected {main_op} to be an Operation but got type "
                            f"{type(main_op)} instead.")
        g = get_default_graph()
        for key in (constants.MAIN_OP_KEY, constants.LEGACY_INIT_OP_KEY):
            if g.get_collection(key):
                raise ValueError("Graph already contains one or more main ops under the "
                                 f"collection {key}.")
        g.add_to_collection(constants.MAIN_OP_KEY, main_op)

    def _add_train_op(self, train_op):
        """Keeps `train_op` in the `saved_model_train_op` collection (not run on load;
        tf.estimator exports its train graph this way)."""
        if train_op is not None:
            if not isinstance(train_op, (Tensor, Operation)):
                raise TypeError(f"`train_op` {train_op} needs to be a Tensor or Op.")
            get_default_graph().add_to_collection(constants.TRAIN_OP_KEY, train_op)

    def _saver(self, saver):
        return saver or saver_lib.Saver(sharded=True, write_version=saver_pb2.SaverDef.V2,
                                        allow_empty=True)

    def _tag_and_add_meta_graph(self, meta_graph_def, tags, signature_def_map):
        meta_graph_def.meta_info_def.tags.extend(tags)
        for key, sig in (signature_def_map or {}).items():
            meta_graph_def.signature_def[key].CopyFrom(sig)
        self._saved_model.meta_graphs.add().CopyFrom(meta_graph_def)

    # -- the API --------------------------------------------------------------------------
    def add_meta_graph(self, tags, signature_def_map=None, assets_collection=None,
                       legacy_init_op=None, clear_devices=False, main_op=None,
                       strip_default_attrs=False, saver=None):
        """Adds the default graph as one more meta graph (tagged `tags`) sharing the
        variables saved by `add_meta_graph_and_variables`."""
        if not self._has_saved_variables:
            raise AssertionError("Graph state including variables and assets has not been "
                                 "saved yet. Please invoke `add_meta_graph_and_variables()` "
                                 "first.")
        signature_def_map = signature_def_map or {}
        self._validate_signature_def_map(signature_def_map)
        self._add_collections(assets_collection,
                              main_op if main_op is not None else legacy_init_op)
        saver = self._saver(saver)
        meta = saver.export_meta_graph(clear_devices=clear_devices,
                                       strip_default_attrs=strip_default_attrs)
        self._tag_and_add_meta_graph(meta, tags, signature_def_map)

    def add_meta_graph_and_variables(self, sess, tags, signature_def_map=None,
                                     assets_collection=None, legacy_init_op=None,
                                     clear_devices=False, main_op=None,
                                     strip_default_attrs=False, saver=None):
        """Saves the variables of `sess` to `variables/` and adds the default graph as
        the first meta graph, tagged `tags`, with its signatures, assets and main op."""
        if self._has_saved_variables:
            raise AssertionError("Graph state including variables and assets has already "
                                 "been saved. Please invoke `add_meta_graph()` instead.")
        signature_def_map = signature_def_map or {}
        self._validate_signature_def_map(signature_def_map)
        self._add_collections(assets_collection, main_op or legacy_init_op)
        os.makedirs(constants.get_variables_dir(self._export_dir), exist_ok=True)
        saver = self._saver(saver)
        saver.save(sess, constants.get_variables_path(self._export_dir),
                   write_meta_graph=False, write_state=False)
        meta = saver.export_meta_graph(clear_devices=clear_devices,
                                       strip_default_attrs=strip_default_attrs)
        self._tag_and_add_meta_graph(meta, tags, signature_def_map)
        self._has_saved_variables = True

    def save(self, as_text=False):
        """Writes `saved_model.pb` (`saved_model.pbtxt` if `as_text`); returns its path
        (bytes, as TF)."""
        os.makedirs(self._export_dir, exist_ok=True)
        if as_text:
            path = os.path.join(self._export_dir, constants.SAVED_MODEL_FILENAME_PBTXT)
            graph_io.atomic_write(path, text_format.MessageToString(self._saved_model))
        else:
            path = os.path.join(self._export_dir, constants.SAVED_MODEL_FILENAME_PB)
            graph_io.atomic_write(path, self._saved_model.SerializeToString(
                deterministic=True))
        tf_logging.info("SavedModel written to: %s", path)
        return path.encode()


Builder = SavedModelBuilder


def _asset_path(tensor):
    """The file path held by an asset tensor (a scalar string Const)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"Asset path tensor {tensor} must be a Tensor.")
    if tensor.op.type != "Const":
        raise TypeError(f"Asset path tensor {tensor} must be of type constant.Has type "
                        f"{tensor.op.type} instead.")
    if tensor.dtype != dtypes.string:
        raise TypeError(f"Asset path tensor {tensor}` must be of dtype string.Has type "
                        f"{tensor.dtype} instead.")
    values = graph_io.node_def(tensor.op).attr["value"].tensor.string_val
    if len(values) != 1:
        raise TypeError(f"Asset path tensor {tensor} must be a scalar.")
    return values[0].decode()


def _unique_filename(path, taken):
    """The basename `path` is saved under in `assets/`, suffixed `_1`, `_2`, ... when
    another, different file already took it."""
    name = os.path.basename(path)
    if name not in taken or taken[name] == path or filecmp.cmp(path, taken[name], False):
        return name
    i, unique = 1, name
    while unique in taken:
        unique, i = f"{name}_{i}", i + 1
    return unique


def _save_assets(assets_collection):
    """Adds each asset tensor to the graph's `saved_model_assets` collection (an
    AssetFileDef packed in an Any); returns {saved basename: source path}."""
    filenames = {}
    if assets_collection is None:
        tf_logging.info("No assets to save.")
        return filenames
    g = get_default_graph()
    for tensor in assets_collection:
        source = _asset_path(tensor)
        if not source:
            raise ValueError(f"Asset filepath tensor {tensor} in is invalid.")
        name = _unique_filename(source, filenames)
        asset = meta_graph_pb2.AssetFileDef(filename=name)
        asset.tensor_info.name = tensor.name
        packed = any_pb2.Any(type_url="type.googleapis.com/tensorflow.AssetFileDef",
                             value=asset.SerializeToString())
        g.add_to_collection(constants.ASSETS_KEY, packed)
        filenames[name] = source
    tf_logging.info("Assets added to graph.")
    return filenames


def copy_assets_to_destination_dir(asset_filename_map, destination_dir, saved_files=None):
    """Copies each source file to `destination_dir/assets/<basename>` (once)."""
    saved_files = set() if saved_files is None else saved_files
    assets_dir = os.path.join(destination_dir, constants.ASSETS_DIRECTORY)
    os.makedirs(assets_dir, exist_ok=True)
    for name, source in asset_filename_map.items():
        dest = os.path.join(assets_dir, name)
        if os.path.exists(source) and source != dest and dest not in saved_files:
            shutil.copyfile(source, dest)
            saved_files.add(dest)
    tf_logging.info("Assets written to: %s", assets_dir)



def simple_save(session, export_dir, inputs, outputs, legacy_init_op=None):
    """Writes a serving SavedModel of `session`'s graph: tag `serve`, one Predict
    signature `serving_default` over the {key: tensor} `inputs` and `outputs`, the graph's
    asset files, devices cleared."""
    sigs = {signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY:
            signature_def_utils.predict_signature_def(inputs, outputs)}
    b = SavedModelBuilder(export_dir)
    b.add_meta_graph_and_variables(
        session, tags=[tag_constants.SERVING], signature_def_map=sigs,
        assets_collection=get_default_graph().get_collection(GraphKeys.ASSET_FILEPATHS),
        main_op=legacy_init_op, clear_devices=True)
    b.save()
