"""flowgraph: TensorFlow 1.x-style graphs and sessions on numpy (and CuPy).

    import flowgraph as tf
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.reduce_sum(x * 2.0, axis=1)
    with tf.Session() as sess:
        print(sess.run(y, {x: [[1, 2, 3]]}))
"""

from flowgraph.framework import dtypes, errors, tensor_shape
from flowgraph.framework.dtypes import (DType, as_dtype, float16, half, float32, float64,
                                        double, bfloat16, int8, int16, int32, int64, uint8,
                                        uint16, uint32, uint64, bool, string, complex64,
                                        complex128, resource, variant)
from flowgraph.framework.tensor_shape import TensorShape, Dimension
from flowgraph.framework.device import DeviceSpec
from flowgraph.framework.graph import (Graph, Operation, Tensor, GraphKeys, get_default_graph,
                                       reset_default_graph, name_scope, control_dependencies,
                                       device, colocate_with, add_to_collection,
                                       add_to_collections, get_collection, get_collection_ref,
                                       get_name_scope)
from flowgraph.framework.op_builder import register_tensor_conversion_function
from flowgraph.framework.registry import RegisterGradient, NotDifferentiable, NoGradient
from flowgraph.runtime.session import (Session, InteractiveSession, get_default_session)
from flowgraph.runtime.config import (ConfigProto, GPUOptions, GraphOptions, RunOptions,
                                      OptimizerOptions, RunMetadata)
from flowgraph.ops import core as _core, state_ops as _state_ops, variables as _variables
from flowgraph.ops import math_ops as _math_ops, array_ops as _array_ops
from flowgraph.ops import random_ops as _random_ops
from flowgraph.ops import (join_ops as _join_ops, manip_ops as _manip_ops,
                           slicing_ops as _slicing_ops, gather_ops as _gather_ops,
                           creation_ops as _creation_ops, diag_ops as _diag_ops)
from flowgraph.ops import variable_scope as _variable_scope, clip_ops as _clip_ops
from flowgraph.ops import control_flow_ops as _control_flow_ops
from flowgraph.ops import linalg_ops as _linalg_ops
from flowgraph.ops import (nn_ops as _nn_ops, conv_ops as _conv_ops, pool_ops as _pool_ops,
                           norm_ops as _norm_ops, xent_ops as _xent_ops, nn_impl as _nn_impl)
from flowgraph.ops.core import *  # noqa: F401,F403
from flowgraph.ops.state_ops import *  # noqa: F401,F403
from flowgraph.ops.variables import *  # noqa: F401,F403
from flowgraph.ops.math_ops import *  # noqa: F401,F403
from flowgraph.ops.array_ops import *  # noqa: F401,F403
from flowgraph.ops.join_ops import *  # noqa: F401,F403
from flowgraph.ops.manip_ops import *  # noqa: F401,F403
from flowgraph.ops.slicing_ops import *  # noqa: F401,F403
from flowgraph.ops.gather_ops import *  # noqa: F401,F403
from flowgraph.ops.creation_ops import *  # noqa: F401,F403
from flowgraph.ops.diag_ops import *  # noqa: F401,F403
from flowgraph.ops.random_ops import *  # noqa: F401,F403
from flowgraph.ops.variable_scope import *  # noqa: F401,F403
from flowgraph.ops.clip_ops import *  # noqa: F401,F403
from flowgraph.ops import training_ops as _training_ops  # noqa: E402
from flowgraph.ops import fused_ops as _fused_ops  # noqa: E402,F401  (registers _FusedMatMul)
from flowgraph.ops import sparse_training_ops as _sparse_training_ops  # noqa: E402
from flowgraph.ops.sparse_training_ops import *  # noqa: F401,F403
from flowgraph.ops.control_flow_ops import *  # noqa: F401,F403
from flowgraph.ops import list_ops as _list_ops, tensor_array_ops as _tensor_array_ops
from flowgraph.ops.tensor_array_ops import *  # noqa: F401,F403
from flowgraph.ops import functional_ops as _functional_ops
from flowgraph.ops.functional_ops import *  # noqa: F401,F403
from flowgraph.ops.linalg_ops import *  # noqa: F401,F403
from flowgraph.ops.script_ops import *  # noqa: F401,F403
from flowgraph.ops import extra_array_ops as _extra_array_ops
from flowgraph.ops.extra_array_ops import *  # noqa: F401,F403
from flowgraph.ops import debug_ops as _debug_ops
from flowgraph.ops.debug_ops import *  # noqa: F401,F403
from flowgraph.initializers import *  # noqa: F401,F403
from flowgraph import namespaces as _namespaces  # noqa: E402
from flowgraph import initializers, train, nn, layers, losses, metrics  # noqa: E402

from flowgraph.framework.indexed_slices import IndexedSlices, IndexedSlicesValue
from flowgraph.gradients import gradients, hessians, AggregationMethod
from flowgraph import test

_variables.overload_variable_operators()

from flowgraph import version  # noqa: E402
from flowgraph.version import *  # noqa: F401,F403,E402
from flowgraph.version import __version__  # noqa: E402
newaxis = None
AUTO_REUSE = "AUTO_REUSE"


def _namespace(name, modules):
    """A `tf.<name>` module gathering what each module lists in `__namespaces__[name]`."""
    return _namespaces.module(name, modules)


_OP_MODULES = [_core, _state_ops, _variables, _math_ops, _array_ops, _random_ops,
               _join_ops, _manip_ops, _slicing_ops, _gather_ops, _creation_ops, _diag_ops,
               _variable_scope, _clip_ops, _control_flow_ops, _linalg_ops]
_OP_MODULES += [_nn_ops, _conv_ops, _pool_ops, _norm_ops, _xent_ops, _nn_impl]
_OP_MODULES += [_training_ops, _sparse_training_ops]
_OP_MODULES += [_list_ops, _tensor_array_ops, _functional_ops]
_OP_MODULES += [_debug_ops, _extra_array_ops]
math = _namespace("math", _OP_MODULES)
linalg = _namespace("linalg", _OP_MODULES)
random = _namespace("random", _OP_MODULES)
debugging = _namespace("debugging", _OP_MODULES)


def _module(name, **attrs):
    return _namespaces.module(name, **attrs)


from flowgraph import regularizers as _regularizers  # noqa: E402
contrib = _module("contrib", layers=_module(
    "contrib.layers", **{k: getattr(_regularizers, k) for k in (
        "l1_regularizer", "l2_regularizer", "l1_l2_regularizer", "sum_regularizer",
        "apply_regularization")}), rnn=_module(
    "contrib.rnn", **{k: getattr(nn.rnn_cell, k) for k in nn.rnn_cell.__all__},
    static_rnn=nn.static_rnn, static_bidirectional_rnn=nn.static_bidirectional_rnn))
dtypes.as_dtype = as_dtype


def disable_v2_behavior():
    """Accepted for compatibility: flowgraph always behaves as TF1."""


def disable_eager_execution():
    """Accepted for compatibility: flowgraph is always in graph mode."""


def enable_v2_behavior():
    raise NotImplementedError("flowgraph implements TF1 graph mode only")


def executing_eagerly():
    return False


# Graphs and checkpoints on disk (GraphDef, MetaGraphDef, V2 checkpoints), app and flags.
from flowgraph.ops import io_ops as _io_ops  # noqa: E402
from flowgraph.ops.io_ops import *  # noqa: F401,F403,E402
from flowgraph.framework.importer import import_graph_def  # noqa: E402
from flowgraph.framework import graph_util  # noqa: E402
from flowgraph.framework.tensor_util import make_tensor_proto, make_ndarray  # noqa: E402
from flowgraph import app  # noqa: E402
from flowgraph.app import flags  # noqa: E402
from flowgraph import gfile  # noqa: E402
from flowgraph import io_namespace as io  # noqa: E402
from flowgraph import tf_logging as logging  # noqa: E402
from flowgraph.ops.template import make_template  # noqa: E402


from flowgraph import summary, client, viz  # noqa: E402
from flowgraph.summary import (Summary, SummaryMetadata, Event, SessionLog,  # noqa: E402
                               LogMessage, HistogramProto)
from flowgraph.proto.attr_value_pb2 import AttrValue, NameAttrList  # noqa: E402
from flowgraph.proto.graph_pb2 import GraphDef  # noqa: E402
from flowgraph.proto.tensor_pb2 import TensorProto  # noqa: E402  (TF1 had it at the top)
from flowgraph.proto.node_def_pb2 import NodeDef  # noqa: E402
from flowgraph.proto.meta_graph_pb2 import MetaGraphDef, TensorInfo  # noqa: E402
from flowgraph.framework.errors import OpError  # noqa: E402
from flowgraph import compat  # noqa: E402
from flowgraph import raw_ops  # noqa: E402
from flowgraph.module import Module  # noqa: E402
from flowgraph.ops import audio_ops as _audio_ops  # noqa: E402
audio = _namespace("audio", [_audio_ops])
from flowgraph.ops import fake_quant_ops as _fake_quant_ops  # noqa: E402
from flowgraph.ops.fake_quant_ops import *  # noqa: F401,F403,E402
from flowgraph.ops.conv_ops import *  # noqa: F401,F403,E402  (the V2 backprops)
from flowgraph.ops.xent_ops import approx_top_k  # noqa: E402
quantization = _namespace("quantization", [_fake_quant_ops])
from flowgraph.compat import dimension_value, dimension_at_index  # noqa: E402
import sys as _sys  # noqa: E402
compat.v1 = _sys.modules[__name__]          # `tf.compat.v1` is this very module
_sys.modules["flowgraph.compat.v1"] = compat.v1

# Candidate samplers under tf.random (tf.random.log_uniform_candidate_sampler, ...).
from flowgraph.ops import candidate_sampling_ops as _candidate_sampling_ops  # noqa: E402
for _n in _candidate_sampling_ops.__namespaces__["random"]:
    setattr(random, _n, getattr(_candidate_sampling_ops, _n))
del _n

def _extend(name, modules):
    """Adds to namespace `tf.<name>` what each module lists in `__namespaces__[name]`."""
    globals()[name].__dict__.update(_namespaces.names(name, modules))


# Complex numbers and FFTs: tf.complex/real/imag/angle, tf.signal, tf.spectral, tf.fft, ...
from flowgraph.ops import complex_ops as _complex_ops  # noqa: E402
from flowgraph.ops.complex_ops import *  # noqa: F401,F403,E402
from flowgraph.ops import spectral_ops as _spectral_ops  # noqa: E402
from flowgraph.ops.spectral_ops import *  # noqa: F401,F403,E402
from flowgraph.ops import signal_ops as _signal_ops  # noqa: E402
signal = _namespace("signal", [_spectral_ops, _signal_ops])
spectral = _namespace("spectral", [_spectral_ops])

# tf.linalg decompositions, solvers and composites (cholesky, svd, eigh, norm, expm, ...).
from flowgraph.ops import linalg_decomp_ops as _linalg_decomp_ops  # noqa: E402
from flowgraph.ops import linalg_impl as _linalg_impl  # noqa: E402
from flowgraph.ops import lu_ops as _lu_ops  # noqa: E402
from flowgraph.ops.linalg_decomp_ops import *  # noqa: F401,F403,E402
from flowgraph.ops.linalg_impl import *  # noqa: F401,F403,E402
_extend("math", [_complex_ops])
_extend("linalg", [_complex_ops, _linalg_decomp_ops, _linalg_impl, _lu_ops])
linalg.global_norm = global_norm

# tf.distributions (TF1's deprecated distributions).
from flowgraph import distributions  # noqa: E402

# Special functions, scatter family, partition/histogram/search ops, batch<->space, bitwise.
from flowgraph.ops import special_math_ops as _special_math_ops  # noqa: E402
from flowgraph.ops import bitwise_ops as _bitwise_ops  # noqa: E402
from flowgraph.ops import scatter_ops as _scatter_ops  # noqa: E402
from flowgraph.ops.special_math_ops import *  # noqa: F401,F403,E402
from flowgraph.ops import partition_ops as _partition_ops  # noqa: E402
from flowgraph.ops import histogram_ops as _histogram_ops  # noqa: E402
from flowgraph.ops import poisson_ops as _poisson_ops  # noqa: E402
from flowgraph.ops import batch_space_ops as _batch_space_ops  # noqa: E402
from flowgraph.ops.batch_space_ops import *  # noqa: F401,F403,E402
from flowgraph.ops.fingerprint_ops import *  # noqa: F401,F403,E402
from flowgraph.ops.scatter_ops import *  # noqa: F401,F403,E402
from flowgraph.ops.partition_ops import *  # noqa: F401,F403,E402
from flowgraph.ops.histogram_ops import *  # noqa: F401,F403,E402
from flowgraph.ops.poisson_ops import *  # noqa: F401,F403,E402
random.poisson = _poisson_ops.random_poisson
_extend("math", [_special_math_ops, _histogram_ops])
bitwise = _namespace("bitwise", [_bitwise_ops])

# Framework-level TF1 names: custom gradients, scopes, toggles, type specs, tf.config,
# tf.nest/tf.manip/tf.sysconfig/tf.resource_loader/tf.user_ops/tf.types, quantized dtypes.
from flowgraph.framework.dtypes import (qint8, quint8, qint16, quint16, qint32,  # noqa: E402
                                        QUANTIZED_DTYPES)
from flowgraph.framework.enums import (UnconnectedGradients, VariableAggregation,  # noqa: E402
                                       VariableSynchronization)
from flowgraph.framework.constant_value import get_static_value  # noqa: E402
from flowgraph.ops.type_spec import *  # noqa: F401,F403,E402
from flowgraph.ops.custom_gradient import *  # noqa: F401,F403,E402
from flowgraph.ops.scopes import *  # noqa: F401,F403,E402
from flowgraph.ops.switch_case import *  # noqa: F401,F403,E402
from flowgraph.ops.tensor_checks import *  # noqa: F401,F403,E402
from flowgraph.ops.py_function import *  # noqa: F401,F403,E402
from flowgraph.ops.counter_ops import *  # noqa: F401,F403,E402
from flowgraph.ops.variables import variable_creator_scope  # noqa: E402
from flowgraph.behavior import *  # noqa: F401,F403,E402
from flowgraph.load_library import *  # noqa: F401,F403,E402
from flowgraph import config, sysconfig, resource_loader  # noqa: E402
from flowgraph.ops import user_ops as _user_ops  # noqa: E402
from flowgraph.framework import nest as _nest  # noqa: E402
no_gradient = NotDifferentiable
nest = _module("nest", flatten=_nest.flatten, pack_sequence_as=_nest.pack_sequence_as,
               map_structure=_nest.map_structure,
               assert_same_structure=_nest.assert_same_structure,
               is_nested=_nest.is_sequence)
user_ops = _module("user_ops", my_fact=_user_ops.my_fact)
types = _module("types", experimental=_module(
    "types.experimental", TensorLike=(Tensor, _variables.Variable, IndexedSlices)))
from flowgraph.ops.session_ops import (get_session_handle, get_session_tensor,  # noqa: E402
                                       delete_session_tensor)
from flowgraph.ops.partitioned_variables import *  # noqa: F401,F403,E402

# 3-D convolution and pooling (tf.nn.conv3d, ...), CTC, and a minimal tf.SparseTensor.
from flowgraph.ops import conv3d_ops as _conv3d_ops, pool3d_ops as _pool3d_ops  # noqa: E402,F401
from flowgraph.framework.sparse_tensor import SparseTensor, SparseTensorValue  # noqa: E402,F401
from flowgraph.ops import sparse_to_dense_ops as _sparse_to_dense_ops  # noqa: E402
from flowgraph.ops.sparse_to_dense_ops import *  # noqa: F401,F403,E402
sparse = _module("sparse")
sparse.SparseTensor, sparse.placeholder = SparseTensor, sparse_placeholder
sparse.to_dense, sparse.from_dense = sparse_tensor_to_dense, _sparse_to_dense_ops.from_dense
# --- h-img: the sparse ops (tf.sparse.*, tf.sparse_*, tf.nn.embedding_lookup_sparse) ---
from flowgraph.ops import sparse_ops as _sparse_ops  # noqa: E402
from flowgraph.ops import sparse_math_ops as _sparse_math_ops  # noqa: E402
from flowgraph.ops import sparse_segment_ops as _sparse_segment_ops  # noqa: E402
from flowgraph.ops.sparse_ops import *  # noqa: F401,F403,E402
from flowgraph.ops.sparse_math_ops import *  # noqa: F401,F403,E402
from flowgraph.ops.sparse_segment_ops import (sparse_segment_sum, sparse_segment_mean,  # noqa: E402,F401
                                              sparse_segment_sqrt_n, sparse_transpose,
                                              sparse_to_indicator, sparse_merge)
for _n, _f in dict(
        add=sparse_add, concat=sparse_concat, reshape=sparse_reshape, reorder=sparse_reorder,
        retain=sparse_retain, reduce_sum=sparse_reduce_sum,
        reduce_sum_sparse=sparse_reduce_sum_sparse, reduce_max=sparse_reduce_max,
        reduce_max_sparse=sparse_reduce_max_sparse, fill_empty_rows=sparse_fill_empty_rows,
        slice=sparse_slice, split=sparse_split, transpose=sparse_transpose,
        maximum=sparse_maximum, minimum=sparse_minimum, softmax=sparse_softmax,
        segment_sum=sparse_segment_sum, segment_mean=sparse_segment_mean,
        segment_sqrt_n=sparse_segment_sqrt_n, expand_dims=_sparse_segment_ops.sparse_expand_dims,
        to_indicator=sparse_to_indicator, sparse_dense_matmul=sparse_tensor_dense_matmul,
        matmul=sparse_tensor_dense_matmul, reset_shape=sparse_reset_shape,
        merge=_sparse_segment_ops.sparse_merge, eye=_sparse_segment_ops.sparse_eye).items():
    setattr(sparse, _n, _f)
from flowgraph.ops import sparse_cwise_ops as _sparse_cwise_ops  # noqa: E402
_sparse_cwise_ops.overload_sparse_operators()
nn.embedding_lookup_sparse = _sparse_segment_ops.embedding_lookup_sparse
nn.safe_embedding_lookup_sparse = _sparse_segment_ops.safe_embedding_lookup_sparse
del _n, _f
# --- end h-img sparse ---
# --- h-img: string ops (tf.strings.*, tf.string_split, tf.substr, tf.string_to_hash_bucket*) ---
from flowgraph.ops import string_ops as _string_ops  # noqa: E402
from flowgraph.ops import string_hash_ops as _string_hash_ops  # noqa: E402
from flowgraph.ops import unicode_ops as _unicode_ops  # noqa: E402
from flowgraph.ops import string_extra_ops as _string_extra_ops  # noqa: E402
from flowgraph.ops.string_ops import *  # noqa: F401,F403,E402
from flowgraph.ops.string_hash_ops import *  # noqa: F401,F403,E402
strings = _namespace("strings", [_string_ops, _string_hash_ops, _unicode_ops,
                                 _string_extra_ops])
# --- end h-img strings ---
# --- h-img: tf.image (codecs, resizing, crops, flips, colour, boxes, patches) ---
from flowgraph.ops import image_codec_ops as _image_codec_ops  # noqa: E402
from flowgraph.ops import resize_ops as _resize_ops  # noqa: E402
from flowgraph.ops import image_ops as _image_ops  # noqa: E402
from flowgraph.ops import image_color_ops as _image_color_ops  # noqa: E402
from flowgraph.ops import image_box_ops as _image_box_ops  # noqa: E402
from flowgraph.ops import image_extra_ops as _image_extra_ops  # noqa: E402
from flowgraph.ops.image_ops import random_crop  # noqa: E402,F401
from flowgraph.ops.image_box_ops import extract_image_patches  # noqa: E402,F401
image = _namespace("image", [_image_codec_ops, _resize_ops, _image_ops, _image_color_ops,
                             _image_box_ops, _image_extra_ops])
# --- end h-img image ---
from flowgraph.ops import set_ops as _set_ops  # noqa: E402
sets = _namespace("sets", [_set_ops])

# -- h-rec: TFRecord files (tf.python_io, tf.io) -------------------------------------------
from flowgraph.framework import tf_record as _tf_record  # noqa: E402
python_io = _module("python_io", **{n: getattr(_tf_record, n) for n in (
    "TFRecordWriter", "TFRecordOptions", "TFRecordCompressionType", "tf_record_iterator")})
for _n in ("TFRecordWriter", "TFRecordOptions", "TFRecordCompressionType",
           "tf_record_iterator"):
    setattr(io, _n, getattr(_tf_record, _n))
del _n
from flowgraph.ops import parsing_config as _parsing_config  # noqa: E402
from flowgraph.ops import (parsing_ops as _parsing_ops, decode_ops as _decode_ops,  # noqa: E402
                           file_ops as _file_ops, sequence_parsing_ops as _seq_parsing,
                           tensor_serialize_ops as _tensor_serialize)
from flowgraph.ops.parsing_config import *  # noqa: F401,F403,E402
from flowgraph.ops.parsing_ops import *  # noqa: F401,F403,E402
from flowgraph.ops.sequence_parsing_ops import *  # noqa: F401,F403,E402
from flowgraph.ops.decode_ops import *  # noqa: F401,F403,E402
from flowgraph.ops.file_ops import *  # noqa: F401,F403,E402
from flowgraph.ops.tensor_serialize_ops import *  # noqa: F401,F403,E402
from flowgraph.proto import example_pb2 as _example_pb2, feature_pb2 as _feature_pb2  # noqa
for _m in (_parsing_ops, _seq_parsing, _decode_ops, _file_ops, _tensor_serialize):
    for _n in _m.__namespaces__["io"]:
        setattr(io, _n, getattr(_m, _n))
for _n in _parsing_config.__all__:
    setattr(io, _n, getattr(_parsing_config, _n))
for _n in ("BytesList", "FloatList", "Int64List", "Feature", "Features", "FeatureList",
           "FeatureLists"):
    setattr(train, _n, getattr(_feature_pb2, _n))
train.Example, train.SequenceExample = _example_pb2.Example, _example_pb2.SequenceExample
del _m, _n
from flowgraph.ops import queue_ops as _queue_ops  # noqa: E402
from flowgraph.ops.queue_ops import *  # noqa: F401,F403,E402
queue = _namespace("queue", [_queue_ops])
from flowgraph.ops.reader_ops import *  # noqa: F401,F403,E402
from flowgraph.ops.accumulator_ops import *  # noqa: F401,F403,E402
for _n in ("QueueBase", "FIFOQueue", "PaddingFIFOQueue", "RandomShuffleQueue",
           "PriorityQueue"):
    setattr(io, _n, getattr(_queue_ops, _n))
from flowgraph.train import queue_runner as _queue_runner, input as _train_input  # noqa
for _m in (_queue_runner, _train_input):
    for _n in _m.__all__:
        setattr(train, _n, getattr(_m, _n))
io.match_filenames_once = _train_input.match_filenames_once
train.queue_runner = _module("train.queue_runner", QueueRunner=_queue_runner.QueueRunner,
                             add_queue_runner=_queue_runner.add_queue_runner,
                             start_queue_runners=_queue_runner.start_queue_runners)
del _m, _n
# -- end h-rec ----------------------------------------------------------------------------

# -- h-data: tf.data (datasets and iterators in graph mode) -----------------------------
from flowgraph import data  # noqa: E402
# -- end h-data ---------------------------------------------------------------------------

# -- h-fc: tf.feature_column (TF1's v1 columns; tf.lookup tables) ------------------------
from flowgraph import feature_column  # noqa: E402
from flowgraph.initializers import tables_initializer  # noqa: E402
from flowgraph.ops import lookup_ops as _lookup_ops  # noqa: E402
initialize_all_tables = tables_initializer
from flowgraph.ops import mutable_lookup_ops as _mutable_lookup_ops  # noqa: E402
lookup = _namespace("lookup", [_lookup_ops])
lookup.experimental = _module("lookup.experimental",
                             MutableHashTable=_mutable_lookup_ops.MutableHashTable)
from flowgraph.ops import sparse_cross_ops as _sparse_cross_ops  # noqa: E402
sparse.cross = _sparse_cross_ops.sparse_cross
sparse.cross_hashed = _sparse_cross_ops.sparse_cross_hashed
# -- end h-fc -----------------------------------------------------------------------------

# tf.keras: graph-mode Keras 2 (flowgraph/keras/; its regularizers are tf.keras.regularizers).
from flowgraph import keras  # noqa: E402

# -- h-estimator: tf.estimator (flowgraph/estimator/) -------------------------------------
from flowgraph import estimator  # noqa: E402
from flowgraph.estimator import warm_starting as _warm_starting  # noqa: E402
train.warm_start = _warm_starting.warm_start
# -- end h-estimator ----------------------------------------------------------------------

# tf.saved_model: SavedModel directories (builder, loader, signatures; issue 18).
from flowgraph import saved_model  # noqa: E402
from flowgraph.ops import resource_variable_ops as _resource_variable_ops  # noqa: E402,F401
from flowgraph.ops import optional_ops as _optional_ops  # noqa: E402,F401

# Last: namespaces gathering names from everything above.
manip = _module("manip", **{n: globals()[n] for n in (
    "batch_to_space_nd", "gather_nd", "reshape", "reverse", "roll", "scatter_nd",
    "space_to_batch_nd", "tile")})
