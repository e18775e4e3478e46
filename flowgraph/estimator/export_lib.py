"""How an Estimator writes a SavedModel: a fresh graph from the serving input receiver
and the PREDICT model_fn, its variables restored from a checkpoint, one signature per
export output, written to `<export_dir_base>/<timestamp>` through a temporary directory."""
import os
import shutil
import time

from flowgraph import tf_logging as logging
from flowgraph.framework.graph import Graph, GraphKeys
from flowgraph.framework import errors
from flowgraph.runtime.session import Session
from flowgraph.saved_model import builder as builder_lib
from flowgraph.saved_model import signature_constants, signature_def_utils, tag_constants
from flowgraph.saved_model import utils as saved_model_utils
from flowgraph.train import checkpoint_management
from flowgraph.train.monitored_session import Scaffold
from flowgraph.train.saver import Saver
from flowgraph.estimator.mode_keys import ModeKeys

EXPORT_TAG_MAP = {ModeKeys.PREDICT: [tag_constants.SERVING],
                  ModeKeys.TRAIN: [tag_constants.TRAINING],
                  ModeKeys.EVAL: [tag_constants.EVAL]}
_FRIENDLY_METHOD_NAMES = {
    signature_constants.CLASSIFY_METHOD_NAME: "Classify",
    signature_constants.REGRESS_METHOD_NAME: "Regress",
    signature_constants.PREDICT_METHOD_NAME: "Predict",
    signature_constants.SUPERVISED_TRAIN_METHOD_NAME: "Train",
    signature_constants.SUPERVISED_EVAL_METHOD_NAME: "Eval"}


def _ensure_servable(input_tensors, output_infos):
    """ValueError when an output needs a placeholder that is not a signature input."""
    inputs = set(input_tensors)
    outputs = [saved_model_utils.get_tensor_from_tensor_info(info)
               for info in output_infos.values()]
    seen, stack = set(), [t.op for t in outputs if t not in inputs]
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        if op.type == "Placeholder" and not all(o in inputs for o in op.outputs):
            raise ValueError(
                f"The signature's input tensors {[t.name for t in input_tensors]} are "
                f"insufficient to compute its output keys {list(output_infos)} "
                f"(respectively, tensors {[t.name for t in outputs]}) because of the "
                f"dependency on `{op.name}` which is not given as a signature input.")
        stack.extend(t.op for t in op.inputs if t not in inputs)
        stack.extend(op.control_inputs)


def build_all_signature_defs(receiver_tensors, export_outputs,
                             receiver_tensors_alternatives=None, serving_only=True):
    """{signature name: SignatureDef} of every export output (and alternative receiver)
    that can be served; logs the signatures included and excluded, as TF."""
    if not isinstance(receiver_tensors, dict):
        receiver_tensors = {"input": receiver_tensors}
    if export_outputs is None or not isinstance(export_outputs, dict):
        raise ValueError(f"`export_outputs` must be a dict. Received {export_outputs} with "
                         f"type {type(export_outputs).__name__}.")
    sigs, excluded = {}, {}
    receivers = [(None, receiver_tensors)] + [
        (name, alt if isinstance(alt, dict) else {"input": alt})
        for name, alt in (receiver_tensors_alternatives or {}).items()]
    for receiver_name, tensors in receivers:
        for key, output in export_outputs.items():
            name = f"{key or 'None'}" if receiver_name is None else \
                f"{receiver_name or 'None'}:{key or 'None'}"
            try:
                sig = output.as_signature_def(tensors)
                _ensure_servable(list(tensors.values()), sig.outputs)
                sigs[name] = sig
            except ValueError as e:
                excluded[name] = str(e)
    _log_signature_report(sigs, excluded)
    if serving_only:
        sigs = {k: v for k, v in sigs.items() if signature_def_utils.is_valid_signature(v)}
    return sigs


def _log_signature_report(sigs, excluded):
    by_method = {m: [] for m in _FRIENDLY_METHOD_NAMES}
    for name, sig in sigs.items():
        by_method.setdefault(sig.method_name, []).append(name)
    for method, names in by_method.items():
        logging.info("Signatures INCLUDED in export for {}: {}".format(
            _FRIENDLY_METHOD_NAMES.get(method, method), names if names else "None"))
    if excluded:
        logging.info("Signatures EXCLUDED from export because they cannot be be served via "
                     "TensorFlow Serving APIs:")
        for name, message in excluded.items():
            logging.info(f"'{name}' : {message}")
    if not sigs:
        logging.warning("Export includes no signatures!")
    elif signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY not in sigs:
        logging.warning("Export includes no default signature!")


def get_timestamped_export_dir(export_dir_base):
    """`<export_dir_base>/<seconds since the epoch>` (bytes), waiting for a free name."""
    for attempt in range(1, 11):
        result = os.path.join(os.fsencode(export_dir_base), str(int(time.time())).encode())
        if not os.path.exists(result):
            return result
        time.sleep(1)
        logging.warning(f"Directory {os.fsdecode(result)} already exists; retrying (attempt "
                        f"{attempt}/10)")
    raise RuntimeError("Failed to obtain a unique export directory name after 10 attempts.")


def get_temp_export_dir(timestamped_export_dir):
    dirname, basename = os.path.split(timestamped_export_dir)
    return os.path.join(dirname, b"temp-" + basename)


def export_saved_model(estimator, export_dir_base, serving_input_receiver_fn,
                       assets_extra=None, as_text=False, checkpoint_path=None,
                       strip_default_attrs=True, mode=ModeKeys.PREDICT):
    """Writes the SavedModel of `estimator` (serving graph, latest checkpoint); returns
    its directory (bytes)."""
    if not serving_input_receiver_fn:
        raise ValueError("An input_receiver_fn must be defined.")
    if mode != ModeKeys.PREDICT:
        raise NotImplementedError("flowgraph exports PREDICT (serving) graphs only.")
    if not checkpoint_path:
        checkpoint_path = estimator.latest_checkpoint()
    if not checkpoint_path:
        ws = estimator._warm_start_settings
        if not ws:
            raise ValueError(f"Couldn't find trained model at {estimator.model_dir}.")
        checkpoint_path = ws.ckpt_to_initialize_from
        if os.path.isdir(checkpoint_path):
            checkpoint_path = checkpoint_management.latest_checkpoint(checkpoint_path)
    export_dir = get_timestamped_export_dir(export_dir_base)
    temp_dir = get_temp_export_dir(export_dir)
    builder = builder_lib.SavedModelBuilder(os.fsdecode(temp_dir))
    with Graph().as_default() as g:
        estimator._new_graph_with_step(g)
        receiver = serving_input_receiver_fn()
        spec = estimator._call_model_fn(receiver.features, getattr(receiver, "labels", None),
                                        mode, estimator.config)
        sigs = build_all_signature_defs(receiver.receiver_tensors, spec.export_outputs,
                                        getattr(receiver, "receiver_tensors_alternatives",
                                                None), serving_only=True)
        with Session(config=estimator._session_config) as sess:
            local_init_op = spec.scaffold.local_init_op
            if local_init_op is None:
                local_init_op = Scaffold.default_local_init_op()
            saver = spec.scaffold.saver or Saver(sharded=True)
            try:
                saver.restore(sess, checkpoint_path)
            except errors.NotFoundError as e:
                raise ValueError(
                    f"Could not load all requested variables from checkpoint. Please make "
                    f"sure your model_fn does not expect variables that were not saved in "
                    f"the checkpoint.\n\nEncountered error with mode `{mode}` while "
                    f"restoring checkpoint from: `{checkpoint_path}`. Full Traceback:\n\n{e}")
            builder._add_train_op(spec.train_op)
            builder.add_meta_graph_and_variables(
                sess, tags=EXPORT_TAG_MAP[mode], signature_def_map=sigs,
                assets_collection=g.get_collection(GraphKeys.ASSET_FILEPATHS),
                main_op=local_init_op, saver=saver, strip_default_attrs=strip_default_attrs)
    builder.save(as_text)
    for dest, source in (assets_extra or {}).items():
        target = os.path.join(os.fsdecode(temp_dir), "assets.extra", dest)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(source, target)
    os.rename(temp_dir, export_dir)
    return export_dir
