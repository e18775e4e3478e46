"""`tf.train.Saver`: saves and restores variables through `SaveV2`/`RestoreV2` ops that it
adds to the graph under `save/`, exactly as TF1 lays them out, so its SaverDef and meta
graph work in TensorFlow too. Keeps the `checkpoint` state file and the last
`max_to_keep` checkpoints."""
import numbers
import os
import time

import numpy as np

from flowgraph import tf_logging
from flowgraph.framework import dtypes, errors, meta_graph, tensor_shape
from flowgraph.framework.graph import (GraphKeys, Operation, Tensor, colocate_with,
                                       control_dependencies, device, get_default_graph)
from flowgraph.framework.op_builder import apply_op, constant
from flowgraph.ops import core, io_ops, state_ops
from flowgraph.proto import saver_pb2
from flowgraph.train import checkpoint_management as cm, save_protocol

__all__ = ["Saver", "latest_checkpoint", "get_checkpoint_state", "checkpoint_exists",
           "update_checkpoint_state", "get_checkpoint_mtimes", "remove_checkpoint",
           "SaverDef", "import_meta_graph"]

SaverDef = saver_pb2.SaverDef
latest_checkpoint = cm.latest_checkpoint
get_checkpoint_state = cm.get_checkpoint_state
checkpoint_exists = cm.checkpoint_exists
update_checkpoint_state = cm.update_checkpoint_state
get_checkpoint_mtimes = cm.get_checkpoint_mtimes
remove_checkpoint = cm.remove_checkpoint


def _as_text(s):
    if isinstance(s, np.ndarray):
        s = s.item()
    return s.decode() if isinstance(s, bytes) else str(s)


class _Parts:
    """The parts of a partitioned variable, saved as one full tensor under its name (a
    checkpoint TF reads both as a whole variable and, by slices, as a partitioned one)."""

    def __init__(self, full_name, parts):
        self.parts = sorted(parts, key=lambda v: v._save_slice_info.var_offset)
        info = self.parts[0]._save_slice_info
        self.full_name = full_name
        self.axis = next((i for i, (a, b) in enumerate(zip(info.var_shape, info.full_shape))
                          if a != b), 0)
        self.shape = tensor_shape.TensorShape(info.full_shape)
        self.refs = [_ref_tensor(v) for v in self.parts]
        self.op, self.dtype, self.device = self.refs[0].op, self.refs[0].dtype, \
            self.refs[0].device

    def value(self):
        from flowgraph.ops import join_ops
        return join_ops.concat([core.identity(r) for r in self.refs], self.axis) \
            if len(self.refs) > 1 else core.identity(self.refs[0])


def _slice_info(v):
    return getattr(v, "_save_slice_info", None) if not isinstance(v, Tensor) else None


def _var_items(var_list):
    """Sorted (checkpoint key, variable tensor) pairs for a list or dict of variables; a
    partitioned variable's parts pair as one `_Parts` under the full name."""
    if isinstance(var_list, dict):
        pairs = []
        for key, v in var_list.items():
            if hasattr(v, "_get_variable_list"):
                pairs.append((key, _Parts(key, v._get_variable_list())))
            elif isinstance(v, (list, tuple)) and v and all(_slice_info(p) for p in v):
                pairs.append((key, _Parts(key, list(v))))
            else:
                pairs.append((key, v))
    elif not isinstance(var_list, (list, tuple, set)):
        raise TypeError("Variables to save should be passed in a dict or a list. Got "
                        f"{var_list}")
    else:
        pairs, groups = [], {}
        for v in var_list:
            members = v._get_variable_list() if hasattr(v, "_get_variable_list") else [v]
            for m in members:
                info = _slice_info(m)
                if info is not None:
                    groups.setdefault(info.full_name, []).append(m)
                else:
                    t = _ref_tensor(m)
                    pairs.append((t.op.name, m))
        pairs += [(name, _Parts(name, ps)) for name, ps in groups.items()]
    out, seen = [], set()
    for key, v in pairs:
        if not isinstance(key, str):
            raise TypeError(f"Checkpoint keys must be strings, got {key!r}")
        if key in seen:
            raise ValueError(f"At least two variables have the same name: {key}")
        seen.add(key)
        out.append((key, v if isinstance(v, _Parts) else _ref_tensor(v)))
    out.sort(key=lambda kv: kv[0])
    return out


def _save_value(t):
    return t.value() if isinstance(t, _Parts) else t


def _ref_tensor(v):
    """The VariableV2 output behind a Variable or a variable tensor."""
    if isinstance(v, Tensor):
        t = v
    elif hasattr(v, "_ref"):
        t = v._ref()
    else:
        raise TypeError(f"Variable to save is not a Variable: {v!r}")
    if t.op.type not in ("VariableV2", "Variable"):
        raise TypeError(f"Variable to save is not a Variable: {t.name} (op {t.op.type})")
    return t


def _exact(scope):
    """A name_scope string that reuses `scope` as is (a trailing '/')."""
    return scope if scope.endswith("/") else scope + "/"


class Saver:
    """Saves and restores variables.

    `var_list`: the variables (a list, keys = op names) or a dict {checkpoint key:
    variable}; default all global variables (and saveable objects)."""

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None,
                 restore_sequentially=False, saver_def=None, builder=None, defer_build=False,
                 allow_empty=False, write_version=saver_pb2.SaverDef.V2,
                 pad_step_number=False, save_relative_paths=False, filename=None):
        if defer_build and var_list:
            raise ValueError("If `var_list` is provided then build cannot be deferred. "
                             "Either set defer_build=False or var_list=None.")
        if write_version not in (saver_pb2.SaverDef.V2,):
            raise ValueError("flowgraph writes V2 checkpoints only (write_version=V2)")
        self._var_list = var_list
        self._reshape = reshape
        self._sharded = sharded
        self._max_to_keep = max_to_keep
        self._keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours
        self._name = name
        self._restore_sequentially = restore_sequentially
        self.saver_def = saver_def
        self._allow_empty = allow_empty
        self._pad_step_number = pad_step_number
        self._save_relative_paths = save_relative_paths
        self._filename = filename
        self._is_empty = False
        self._is_built = False
        self._last_checkpoints = []
        self._checkpoints_to_be_deleted = []
        self._assign_to_key = {}
        self._items = []
        self._graph = get_default_graph()
        if saver_def is not None:
            self._check_saver_def()
            self._is_built = True
            self._max_to_keep = saver_def.max_to_keep
            self._keep_checkpoint_every_n_hours = saver_def.keep_checkpoint_every_n_hours
        elif not defer_build:
            self.build()
        self._next_checkpoint_time = time.time() + \
            self._keep_checkpoint_every_n_hours * 3600

    # -- building ------------------------------------------------------------------------
    def build(self):
        """Adds the save and restore ops (called by the constructor unless deferred)."""
        if self._is_built:
            return
        self._is_built = True
        var_list = self._var_list
        if var_list is None:
            var_list = self._graph.get_collection(GraphKeys.GLOBAL_VARIABLES) + \
                self._graph.get_collection(GraphKeys.SAVEABLE_OBJECTS)
        items = _var_items(var_list)
        self._items = items
        if not items:
            if self._allow_empty:
                self._is_empty = True
                return
            raise ValueError("No variables to save")
        with self._graph.as_default(), control_dependencies(None), \
                self._graph.name_scope(self._name or "save") as scope:
            filename_tensor = self._filename_tensor(scope)
            if self._sharded:
                save_tensor, restore_op = self._build_sharded(scope, filename_tensor, items)
            else:
                save_tensor = self._add_save(scope, filename_tensor, items)
                restore_op = self._add_restore(scope, filename_tensor, items, "restore_all")
        self.saver_def = saver_pb2.SaverDef(
            filename_tensor_name=filename_tensor.name, save_tensor_name=save_tensor.name,
            restore_op_name=restore_op.name, max_to_keep=self._max_to_keep or 0,
            sharded=self._sharded,
            keep_checkpoint_every_n_hours=self._keep_checkpoint_every_n_hours,
            version=saver_pb2.SaverDef.V2)

    def _filename_tensor(self, scope):
        g = self._graph
        with g.name_scope("filename") as fs:
            default = constant(self._filename or "model", dtype=dtypes.string, name="input")
            ph = apply_op("PlaceholderWithDefault", [default],
                          {"dtype": dtypes.string, "shape": tensor_shape.TensorShape([])},
                          name=_exact(fs))
        return apply_op("PlaceholderWithDefault", [ph],
                        {"dtype": dtypes.string, "shape": tensor_shape.TensorShape([])},
                        name="Const")

    def _add_save(self, scope, prefix, items, op_name="SaveV2", dep_name="control_dependency"):
        g = self._graph
        with g.name_scope(op_name) as ss:
            names = constant([k for k, _ in items], dtype=dtypes.string, name="tensor_names")
            slices = constant([""] * len(items), dtype=dtypes.string, name="shape_and_slices")
            save = io_ops.save_v2(prefix, names, slices, [_save_value(t) for _, t in items],
                                  name=_exact(ss))
        with colocate_with(prefix), control_dependencies([save]):
            return core.identity(prefix, name=dep_name)

    def _restore_ops(self, prefix, items):
        """RestoreV2 op(s) on the CPU; one per variable with `restore_sequentially`."""
        g = self._graph
        groups = [[kv] for kv in items] if self._restore_sequentially else [items]
        tensors, previous = [], []
        for group in groups:
            with device("/device:CPU:0"), control_dependencies(previous), \
                    g.name_scope("RestoreV2") as rs:
                names = constant([k for k, _ in group], dtype=dtypes.string,
                                 name="tensor_names")
                slices = constant([""] * len(group), dtype=dtypes.string,
                                  name="shape_and_slices")
                out = io_ops.restore_v2(prefix, names, slices,
                                        [t.dtype.base_dtype for _, t in group],
                                        name=_exact(rs))
            tensors.extend(out)
            if self._restore_sequentially:
                previous = [out[0].op]
        return tensors

    def _add_restore(self, scope, prefix, items, name):
        assigns = []
        for (key, var), value in zip(items, self._restore_ops(prefix, items)):
            if isinstance(var, _Parts):
                assigns += self._restore_parts(key, var, value)
                continue
            with colocate_with(var.op):
                a = state_ops.assign(var, value, validate_shape=not self._reshape,
                                     use_locking=True, name="Assign")
            self._assign_to_key[a.op.name] = (key, var.op.name)
            assigns.append(a.op)
        return core.group(*assigns, name=name)

    def _restore_parts(self, key, parts, value):
        """Assigns each part its slice of the restored full tensor."""
        from flowgraph.ops import slicing_ops
        out = []
        for v, ref in zip(parts.parts, parts.refs):
            info = v._save_slice_info
            with colocate_with(ref.op):
                piece = slicing_ops.slice(value, info.var_offset, info.var_shape)
                a = state_ops.assign(ref, piece, validate_shape=not self._reshape,
                                     use_locking=True, name="Assign")
            self._assign_to_key[a.op.name] = (key, ref.op.name)
            out.append(a.op)
        return out

    def _build_sharded(self, scope, prefix, items):
        by_device = {}
        for kv in items:
            by_device.setdefault(kv[1].device, []).append(kv)
        shards = sorted(by_device.items())
        g = self._graph
        tmp = io_ops.string_join([prefix, constant("_temp/part", dtype=dtypes.string,
                                                   name="Const_1")])
        num = constant(len(shards), dtype=dtypes.int32, name="num_shards")
        names, deps = [], []
        for i, (dev, group) in enumerate(shards):
            with device(dev or None):
                with g.name_scope("ShardedFilename") as fs:
                    shard = constant(i, dtype=dtypes.int32, name="shard")
                    fname = io_ops.sharded_filename(tmp, shard, num, name=_exact(fs))
                names.append(fname)
                deps.append(self._add_save(scope, fname, group))
        from flowgraph.ops import join_ops
        with control_dependencies(deps), g.name_scope("MergeV2Checkpoints") as ms:
            prefixes = join_ops.stack(names, name="checkpoint_prefixes")
            merge = io_ops.merge_v2_checkpoints(prefixes, prefix, name=_exact(ms))
        with control_dependencies(deps + [merge]):
            save_tensor = core.identity(prefix, name="Identity")
        shard_ops = []
        for dev, group in shards:
            with device(dev or None):
                shard_ops.append(self._add_restore(scope, prefix, group, "restore_shard"))
        with g.name_scope("restore_all") as ra:
            noops = []
            for dev, op in zip([d for d, _ in shards], shard_ops):
                with device(dev or None), control_dependencies([op]):
                    noops.append(core.no_op())
            restore = core.group(*noops, name=_exact(ra))
        return save_tensor, restore

    def _check_saver_def(self):
        sd = self.saver_def
        if not isinstance(sd, saver_pb2.SaverDef):
            self.saver_def = sd = saver_pb2.SaverDef.FromString(sd.SerializeToString())
        if sd.version not in (saver_pb2.SaverDef.V2,):
            raise ValueError(f"Only V2 checkpoints are supported (SaverDef version "
                             f"{sd.version})")
        for field in ("filename_tensor_name", "save_tensor_name", "restore_op_name"):
            name = getattr(sd, field)
            el = self._graph.as_graph_element(name)
            if (field != "restore_op_name") != isinstance(el, Tensor):
                what = "an operation" if field == "restore_op_name" else "a tensor"
                raise ValueError(f"The SaverDef's {field} '{name}' does not name {what}")

    # -- checkpoint bookkeeping -----------------------------------------------------------
    @property
    def last_checkpoints(self):
        """The checkpoint prefixes kept, oldest first."""
        return [p for p, _ in self._last_checkpoints]

    def set_last_checkpoints(self, last_checkpoints):
        if not isinstance(last_checkpoints, list):
            raise TypeError("last_checkpoints must be a list")
        self._last_checkpoints = [(p, np.inf) for p in last_checkpoints]

    def set_last_checkpoints_with_time(self, last_checkpoints_with_time):
        if not isinstance(last_checkpoints_with_time, list):
            raise TypeError("last_checkpoints_with_time must be a list")
        self._last_checkpoints = list(last_checkpoints_with_time)

    def recover_last_checkpoints(self, checkpoint_paths):
        """Takes over the checkpoints in `checkpoint_paths` that still exist (e.g. after a
        restart), so that they are deleted in turn as new ones are saved."""
        paths = [p for p in checkpoint_paths if cm.checkpoint_exists(p)]
        self.set_last_checkpoints_with_time(list(zip(paths, cm.get_checkpoint_mtimes(paths))))

    def _record_last_checkpoint(self, path):
        if not self.saver_def.max_to_keep:
            return
        self._last_checkpoints = [(p, t) for p, t in self._last_checkpoints if p != path]
        self._last_checkpoints.append((path, time.time()))
        if len(self._last_checkpoints) > self.saver_def.max_to_keep:
            self._checkpoints_to_be_deleted.append(self._last_checkpoints.pop(0))

    def _maybe_delete_old_checkpoints(self, meta_graph_suffix):
        while self._checkpoints_to_be_deleted:
            path, stamp = self._checkpoints_to_be_deleted.pop(0)
            if stamp > self._next_checkpoint_time:  # kept: one per n hours
                self._next_checkpoint_time += self.saver_def.keep_checkpoint_every_n_hours * 3600
                continue
            cm.remove_checkpoint(path, saver_pb2.SaverDef.V2, meta_graph_suffix)

    # -- save and restore -----------------------------------------------------------------
    def save(self, sess, save_path, global_step=None, latest_filename=None,
             meta_graph_suffix="meta", write_meta_graph=True, write_state=True,
             strip_default_attrs=False, save_debug_info=False):
        """Saves the variables to `save_path` (with `-<global_step>` appended if given);
        returns the checkpoint prefix written (None for an empty saver)."""
        if not self._is_built:
            raise RuntimeError("`build()` should be called before save if defer_build==True")
        latest_filename = latest_filename or "checkpoint"
        if os.path.split(latest_filename)[0]:
            raise ValueError("'latest_filename' must not contain path components")
        save_path = _as_text(os.fspath(save_path) if not isinstance(save_path, bytes)
                             else save_path)
        if global_step is not None:
            if not isinstance(global_step, numbers.Number):
                global_step = sess.run(global_step)
            step = int(global_step)
            checkpoint_file = f"{save_path}-{step:08d}" if self._pad_step_number else \
                f"{save_path}-{step}"
        else:
            checkpoint_file = save_path
            if os.path.basename(save_path) == latest_filename and not self._sharded:
                raise ValueError(f"'latest_filename' collides with 'save_path': "
                                 f"'{latest_filename}' and '{save_path}'")
        save_dir = os.path.dirname(save_path)
        model_checkpoint_path = None
        if not self._is_empty:
            save_protocol.clean(save_dir, latest_filename)

            def run(prefix):
                return _as_text(sess.run(self.saver_def.save_tensor_name,
                                         {self.saver_def.filename_tensor_name: prefix}))

            def point_state(prefix, final):
                if final:
                    self._record_last_checkpoint(prefix)
                    paths = self.last_checkpoints
                else:  # the temporary copy of an overwrite stands in for the prefix
                    paths = [p for p in self.last_checkpoints if p != checkpoint_file]
                    paths = (paths + [prefix])[-(self.saver_def.max_to_keep or 1):]
                cm.update_checkpoint_state(save_dir, prefix, paths, latest_filename,
                                           save_relative_paths=self._save_relative_paths)
            model_checkpoint_path = save_protocol.save(
                run, checkpoint_file, point_state if write_state else None)
            if write_state:
                self._maybe_delete_old_checkpoints(meta_graph_suffix)
                save_protocol.clean(save_dir, latest_filename)  # a copy the state named
        if write_meta_graph:
            self.export_meta_graph(f"{checkpoint_file}.{meta_graph_suffix}",
                                   strip_default_attrs=strip_default_attrs)
        return model_checkpoint_path

    def restore(self, sess, save_path):
        """Restores the variables from the checkpoint at prefix `save_path`."""
        if self._is_empty:
            return
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        prefix = _as_text(save_path if isinstance(save_path, bytes) else os.fspath(save_path))
        if not cm.checkpoint_exists(prefix):
            raise ValueError(f"The passed save_path is not a valid checkpoint: {prefix}")
        try:
            self._check_against(prefix)
            sess.run(self.saver_def.restore_op_name,
                     {self.saver_def.filename_tensor_name: prefix})
        except errors.NotFoundError as e:
            raise errors.NotFoundError(
                None, e.op, "Restoring from checkpoint failed. This is most likely due to a "
                            "Variable name or other graph key that is missing from the "
                            "checkpoint. Please ensure that you have not altered the graph "
                            "expected based on the checkpoint. Original error:\n\n"
                            f"{e.message}") from e
        except errors.InvalidArgumentError as e:
            raise errors.InvalidArgumentError(
                None, e.op, "Restoring from checkpoint failed. This is most likely due to a "
                            "mismatch between the current graph and the graph from the "
                            "checkpoint. Please ensure that you have not altered the graph "
                            f"expected based on the checkpoint.{self._which(e)} Original "
                            f"error:\n\n{e.message}") from e

    def _check_against(self, prefix):
        """Checks keys, dtypes and static shapes against the checkpoint's index before
        any variable is touched (the restore ops would also fail, but only once the
        variable is initialized for a shape mismatch)."""
        if not self._items and self.saver_def is not None and not self._is_empty:
            self._items = self._discover_items()
        if not self._items:
            return
        from flowgraph.framework.tensor_bundle import BundleReader
        reader = BundleReader(prefix)
        for key, var in self._items:
            if not reader.has(key):
                raise errors.NotFoundError(None, None, f"Key {key} not found in checkpoint")
            have = reader.dtype(key)
            if have != var.dtype.base_dtype:
                raise errors.InvalidArgumentError(
                    None, None, f"tensor_name = {key}; expected dtype "
                                f"{var.dtype.base_dtype.name} does not equal original dtype "
                                f"{have.name}")
            shape = reader.shape(key)
            if not self._reshape and not var.shape.is_compatible_with(shape):
                name = f"'{var.op.name}'" + (f" (checkpoint key '{key}')"
                                             if key != var.op.name else "")
                raise errors.InvalidArgumentError(
                    None, None, f"Variable {name} has shape {var.shape} in the graph but "
                                f"{shape} in the checkpoint: Assign requires shapes of both "
                                f"tensors to match.")

    def _discover_items(self):
        """(key, variable) pairs of a Saver rebuilt from a SaverDef: the Assign ops under
        its restore op, each fed by a RestoreV2 output whose key is a constant."""
        from flowgraph.framework.op_builder import constant_value
        try:
            stack = [self._graph.as_graph_element(self.saver_def.restore_op_name)]
        except (KeyError, ValueError):
            return []
        items, seen = [], set()
        while stack:
            op = stack.pop()
            if op in seen:
                continue
            seen.add(op)
            if op.type == "Assign":
                var, value = op.inputs[0], op.inputs[1]
                if value.op.type != "RestoreV2" or var.op.type not in ("VariableV2",
                                                                       "Variable"):
                    return []
                names = constant_value(value.op.inputs[1])
                if names is None:
                    return []
                key = names.reshape(-1)[value.value_index]
                items.append((key.decode() if isinstance(key, bytes) else str(key), var))
            else:
                stack.extend(op.control_inputs)
        return sorted(items, key=lambda kv: kv[0])

    def _which(self, e):
        op = getattr(e, "op", None)
        if isinstance(op, Operation) and op.type == "Assign":
            key, var = self._assign_to_key.get(op.name, (None, op.inputs[0].op.name))
            key = f" (checkpoint key '{key}')" if key and key != var else ""
            return f" Variable '{var}'{key} does not match the checkpoint."
        return ""

    # -- protos ---------------------------------------------------------------------------
    def as_saver_def(self):
        return self.saver_def

    def to_proto(self, export_scope=None):
        """The SaverDef, tensor names relative to `export_scope`."""
        from flowgraph.framework.graph_io import strip_name_scope
        if self.saver_def is None:  # deferred and not built yet: nothing to store (as TF)
            return None
        sd = saver_pb2.SaverDef()
        sd.CopyFrom(self.saver_def)
        for f in ("filename_tensor_name", "save_tensor_name", "restore_op_name"):
            setattr(sd, f, strip_name_scope(getattr(sd, f), export_scope))
        return sd

    @staticmethod
    def from_proto(saver_def, import_scope=None):
        """A Saver over the ops a SaverDef names (under `import_scope`)."""
        from flowgraph.framework.graph_io import prepend_name_scope
        sd = saver_pb2.SaverDef.FromString(saver_def.SerializeToString())
        for f in ("filename_tensor_name", "save_tensor_name", "restore_op_name"):
            setattr(sd, f, prepend_name_scope(getattr(sd, f), import_scope))
        return Saver(saver_def=sd, name=import_scope)

    def export_meta_graph(self, filename=None, collection_list=None, as_text=False,
                          export_scope=None, clear_devices=False,
                          clear_extraneous_savers=False, strip_default_attrs=False,
                          save_debug_info=False):
        """Writes (and returns) a MetaGraphDef of the graph with this saver's SaverDef."""
        return meta_graph.export_meta_graph(
            filename=filename, graph=self._graph, saver_def=self.saver_def,
            collection_list=collection_list, as_text=as_text, export_scope=export_scope,
            clear_devices=clear_devices, clear_extraneous_savers=clear_extraneous_savers,
            strip_default_attrs=strip_default_attrs)


def import_meta_graph(meta_graph_or_file, clear_devices=False, import_scope=None, **kwargs):
    """Recreates the graph, collections and Saver of a MetaGraphDef (or `.meta` file) in
    the default graph; returns the Saver (None if the graph has nothing to save)."""
    meta = meta_graph.as_meta_graph_def(meta_graph_or_file)
    meta_graph.import_scoped_meta_graph(meta, clear_devices=clear_devices,
                                        import_scope=import_scope,
                                        input_map=kwargs.get("input_map"))
    if meta.HasField("saver_def"):
        try:
            return Saver.from_proto(meta.saver_def, import_scope)
        except KeyError as e:
            raise ValueError(f"The meta graph's saver_def names a missing op: {e}") from None
    g = get_default_graph()
    if g.get_collection(GraphKeys.GLOBAL_VARIABLES, scope=import_scope) or \
            g.get_collection(GraphKeys.SAVEABLE_OBJECTS, scope=import_scope):
        return Saver()
    tf_logging.info("Saver not created because there are no variables in the graph to "
                    "restore")
    return None


def _saver_from_collection(data, import_scope, memo):
    return Saver.from_proto(saver_pb2.SaverDef.FromString(data), import_scope)


meta_graph.register_proto_function(GraphKeys.SAVERS, _saver_from_collection)
