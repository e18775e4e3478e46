"""`tf.ConfigProto`, `tf.GPUOptions`, `tf.RunOptions`, `tf.RunMetadata`: TF's common fields."""


class _Message:
    _fields = {}

    def __init__(self, **kwargs):
        for k, default in self._fields.items():
            setattr(self, k, default() if callable(default) else default)
        for k, v in kwargs.items():
            if k not in self._fields:
                raise ValueError(f'Protocol message {type(self).__name__} has no "{k}" field.')
            if isinstance(getattr(self, k), _Message) and isinstance(v, dict):
                v = type(getattr(self, k))(**v)
            setattr(self, k, v)

    def __repr__(self):
        body = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._fields
                         if getattr(self, k) not in (None, 0, False, "", {}, []))
        return f"{type(self).__name__}({body})"


class GPUOptions(_Message):
    _fields = {"allow_growth": False, "per_process_gpu_memory_fraction": 0.0,
               "visible_device_list": "", "force_gpu_compatible": False}


class GraphOptions(_Message):
    _fields = {"enable_bfloat16_sendrecv": False, "build_cost_model": 0,
               "infer_shapes": False, "place_pruned_graph": False}


class ConfigProto(_Message):
    """Session configuration; flowgraph acts on device_count, log_device_placement,
    allow_soft_placement and inter_op_parallelism_threads."""
    _fields = {"device_count": dict, "intra_op_parallelism_threads": 0,
               "inter_op_parallelism_threads": 0, "use_per_session_threads": False,
               "allow_soft_placement": False, "log_device_placement": False,
               "gpu_options": GPUOptions, "graph_options": GraphOptions,
               "operation_timeout_in_ms": 0, "isolate_session_state": False}


class RunOptions(_Message):
    NO_TRACE = 0
    SOFTWARE_TRACE = 1
    HARDWARE_TRACE = 2
    FULL_TRACE = 3
    _fields = {"trace_level": 0, "timeout_in_ms": 0, "inter_op_thread_pool": 0,
               "output_partition_graphs": False, "report_tensor_allocations_upon_oom": False}


class _Repeated(list):
    """A repeated message field: `add(**fields)` appends and returns a new element."""

    def __init__(self, cls):
        super().__init__()
        self._cls = cls

    def add(self, **kwargs):
        m = self._cls(**kwargs)
        self.append(m)
        return m


class NodeExecStats(_Message):
    _fields = {"node_name": "", "all_start_micros": 0, "op_start_rel_micros": 0,
               "op_end_rel_micros": 0, "all_end_rel_micros": 0, "timeline_label": "",
               "scheduled_micros": 0, "thread_id": 0}


class DeviceStepStats(_Message):
    _fields = {"device": "", "node_stats": lambda: _Repeated(NodeExecStats)}


class StepStats(_Message):
    _fields = {"dev_stats": lambda: _Repeated(DeviceStepStats)}


class RunMetadata(_Message):
    _fields = {"step_stats": StepStats, "partition_graphs": list, "cost_graph": None}
