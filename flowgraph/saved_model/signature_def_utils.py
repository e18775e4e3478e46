"""SignatureDefs: the named inputs and outputs a served model exposes
(`tf.saved_model.signature_def_utils`)."""
from flowgraph.framework import errors, graph_io
from flowgraph.framework.graph import Tensor
from flowgraph.proto import meta_graph_pb2, types_pb2
from flowgraph.saved_model import signature_constants as sc, utils

__all__ = ["build_signature_def", "classification_signature_def", "is_valid_signature",
           "predict_signature_def", "regression_signature_def"]


def build_signature_def(inputs=None, outputs=None, method_name=None, defaults=None):
    """A SignatureDef from {key: TensorInfo} maps, a method name and {key: Const tensor}
    defaults."""
    sig = meta_graph_pb2.SignatureDef()
    for key, info in (inputs or {}).items():
        sig.inputs[key].CopyFrom(info)
    for key, info in (outputs or {}).items():
        sig.outputs[key].CopyFrom(info)
    if method_name is not None:
        sig.method_name = method_name
    for key, value in (defaults or {}).items():
        if not (isinstance(value, Tensor) and value.op.type == "Const"):
            raise ValueError(f"Unable to convert object {value} of type {type(value)} to "
                             "TensorProto.")
        sig.defaults[key].CopyFrom(graph_io.node_def(value.op).attr["value"].tensor)
    return sig


def regression_signature_def(examples, predictions):
    """A Regress signature: serialized tf.Examples (string) in, float predictions out."""
    if examples is None:
        raise ValueError("Regression `examples` cannot be None.")
    if not isinstance(examples, Tensor):
        raise ValueError("Expected regression `examples` to be of type Tensor. Found "
                         f"`examples` of type {type(examples)}.")
    if predictions is None:
        raise ValueError("Regression `predictions` cannot be None.")
    ins = utils.build_tensor_info(examples)
    if ins.dtype != types_pb2.DT_STRING:
        raise ValueError("Regression input tensors must be of type string. Found tensors "
                         f"with type {ins.dtype}.")
    outs = utils.build_tensor_info(predictions)
    if outs.dtype != types_pb2.DT_FLOAT:
        raise ValueError("Regression output tensors must be of type float. Found tensors "
                         f"with type {outs.dtype}.")
    return build_signature_def({sc.REGRESS_INPUTS: ins}, {sc.REGRESS_OUTPUTS: outs},
                               sc.REGRESS_METHOD_NAME)


def classification_signature_def(examples, classes, scores):
    """A Classify signature: serialized tf.Examples in; string classes and/or float
    scores out."""
    if examples is None:
        raise ValueError("Classification `examples` cannot be None.")
    if not isinstance(examples, Tensor):
        raise ValueError("Classification `examples` must be a string Tensor. Found "
                         f"`examples` of type {type(examples)}.")
    if classes is None and scores is None:
        raise ValueError("Classification `classes` and `scores` cannot both be None.")
    ins = utils.build_tensor_info(examples)
    if ins.dtype != types_pb2.DT_STRING:
        raise ValueError("Classification input tensors must be of type string. Found "
                         f"tensors of type {ins.dtype}")
    outs = {}
    if classes is not None:
        info = utils.build_tensor_info(classes)
        if info.dtype != types_pb2.DT_STRING:
            raise ValueError("Classification classes must be of type string Tensor. Found "
                             f"tensors of type {info.dtype}.`")
        outs[sc.CLASSIFY_OUTPUT_CLASSES] = info
    if scores is not None:
        info = utils.build_tensor_info(scores)
        if info.dtype != types_pb2.DT_FLOAT:
            raise ValueError("Classification scores must be a float Tensor.")
        outs[sc.CLASSIFY_OUTPUT_SCORES] = info
    return build_signature_def({sc.CLASSIFY_INPUTS: ins}, outs, sc.CLASSIFY_METHOD_NAME)


def predict_signature_def(inputs, outputs):
    """A Predict signature from {key: tensor} inputs and outputs (any dtypes)."""
    if not inputs:
        raise ValueError("Prediction `inputs` cannot be None or empty.")
    if not outputs:
        raise ValueError("Prediction `outputs` cannot be None or empty.")
    return build_signature_def({k: utils.build_tensor_info(t) for k, t in inputs.items()},
                               {k: utils.build_tensor_info(t) for k, t in outputs.items()},
                               sc.PREDICT_METHOD_NAME)


def _supervised_signature_def(method_name, inputs, loss=None, predictions=None,
                              metrics=None):
    if not inputs:
        raise ValueError(f"{method_name} `inputs` cannot be None or empty.")
    outs = {}
    for group in (loss, predictions, metrics):
        outs.update({k: utils.build_tensor_info(t) for k, t in (group or {}).items()})
    return build_signature_def({k: utils.build_tensor_info(t) for k, t in inputs.items()},
                               outs, method_name)


def supervised_train_signature_def(inputs, loss, predictions=None, metrics=None):
    """A train signature (as tf.estimator exports for its train mode)."""
    return _supervised_signature_def(sc.SUPERVISED_TRAIN_METHOD_NAME, inputs, loss,
                                     predictions, metrics)


def supervised_eval_signature_def(inputs, loss, predictions=None, metrics=None):
    """An eval signature (as tf.estimator exports for its eval mode)."""
    return _supervised_signature_def(sc.SUPERVISED_EVAL_METHOD_NAME, inputs, loss,
                                     predictions, metrics)


def is_valid_signature(signature_def):
    """Whether TensorFlow Serving can serve `signature_def` (a well-formed Predict,
    Classify or Regress signature)."""
    if signature_def is None:
        return False
    return (_valid_classification(signature_def) or _valid_regression(signature_def) or
            _valid_predict(signature_def))


def _valid_predict(sig):
    return sig.method_name == sc.PREDICT_METHOD_NAME and bool(sig.inputs) and \
        bool(sig.outputs)


def _valid_regression(sig):
    return (sig.method_name == sc.REGRESS_METHOD_NAME and
            set(sig.inputs) == {sc.REGRESS_INPUTS} and
            sig.inputs[sc.REGRESS_INPUTS].dtype == types_pb2.DT_STRING and
            set(sig.outputs) == {sc.REGRESS_OUTPUTS} and
            sig.outputs[sc.REGRESS_OUTPUTS].dtype == types_pb2.DT_FLOAT)


def _valid_classification(sig):
    if sig.method_name != sc.CLASSIFY_METHOD_NAME or set(sig.inputs) != {sc.CLASSIFY_INPUTS}:
        return False
    if sig.inputs[sc.CLASSIFY_INPUTS].dtype != types_pb2.DT_STRING or not sig.outputs:
        return False
    if set(sig.outputs) - {sc.CLASSIFY_OUTPUT_CLASSES, sc.CLASSIFY_OUTPUT_SCORES}:
        return False
    want = {sc.CLASSIFY_OUTPUT_CLASSES: types_pb2.DT_STRING,
            sc.CLASSIFY_OUTPUT_SCORES: types_pb2.DT_FLOAT}
    return all(sig.outputs[k].dtype == want[k] for k in sig.outputs)


def op_signature_def(op, key):
    """A SignatureDef whose one output `key` names `op` (the builder's init/train ops)."""
    return build_signature_def(outputs={key: utils.build_tensor_info_from_op(op)})


def load_op_from_signature_def(signature_def, key, import_scope=None):
    """The op that `op_signature_def` stored under `key`."""
    try:
        return utils.get_element_from_tensor_info(signature_def.outputs[key],
                                                  import_scope=import_scope)
    except KeyError:
        raise errors.NotFoundError(
            None, None, f'The key "{key}" could not be found in the graph. Please make sure '
                        "the SavedModel was created by the internal _SavedModelBuilder. If "
                        "you are using the public API, please make sure the SignatureDef in "
                        f'the SavedModel does not contain the key "{key}".') from None
