"""`tf.estimator.RunConfig`: where an Estimator keeps its files and how often it saves,
logs and summarises. One process only: the cluster fields hold TF's local defaults."""
import copy

from flowgraph.runtime.config import ConfigProto

__all__ = ["RunConfig", "TaskType"]

_USE_DEFAULT = object()
_REPLACEABLE = [
    "model_dir", "tf_random_seed", "save_summary_steps", "save_checkpoints_steps",
    "save_checkpoints_secs", "session_config", "keep_checkpoint_max",
    "keep_checkpoint_every_n_hours", "log_step_count_steps", "train_distribute",
    "device_fn", "protocol", "eval_distribute", "experimental_distribute",
    "experimental_max_worker_delay_secs", "session_creation_timeout_secs",
    "checkpoint_save_graph_def"]
_SAVE_CKPT_ERR = ("`save_checkpoints_steps` and `save_checkpoints_secs` cannot be both "
                  "set.")


class TaskType:
    MASTER = "master"
    PS = "ps"
    WORKER = "worker"
    CHIEF = "chief"
    EVALUATOR = "evaluator"


# (property, condition, message) checked whenever a config is made or replaced
_CHECKS = [
    ("model_dir", lambda d: d, "model_dir should be non-empty"),
    ("save_summary_steps", lambda s: s >= 0, "save_summary_steps should be >= 0"),
    ("save_checkpoints_steps", lambda s: s >= 0, "save_checkpoints_steps should be >= 0"),
    ("save_checkpoints_secs", lambda s: s >= 0, "save_checkpoints_secs should be >= 0"),
    ("session_config", lambda c: isinstance(c, ConfigProto),
     "session_config must be instance of ConfigProto"),
    ("keep_checkpoint_max", lambda k: k >= 0, "keep_checkpoint_max should be >= 0"),
    ("keep_checkpoint_every_n_hours", lambda k: k > 0,
     "keep_checkpoint_every_n_hours should be > 0"),
    ("log_step_count_steps", lambda n: n > 0, "log_step_count_steps should be > 0"),
    ("tf_random_seed", lambda s: isinstance(s, int), "tf_random_seed must be integer."),
    ("session_creation_timeout_secs", lambda s: s > 0,
     "session_creation_timeout_secs should be > 0"),
    ("device_fn", callable, "device_fn must be callable with exactly one argument \"op\"."),
]


def _validate(config):
    for name, cond, message in _CHECKS:
        value = getattr(config, "_" + name)
        if value is not None and not cond(value):
            raise ValueError(message)


class RunConfig:
    """How an Estimator runs: `model_dir`, `tf_random_seed`, `save_summary_steps` (100),
    `save_checkpoints_steps` or `save_checkpoints_secs` (600 when neither is given),
    `keep_checkpoint_max` (5), `log_step_count_steps` (100), `session_config`, ..."""

    def __init__(self, model_dir=None, tf_random_seed=None, save_summary_steps=100,
                 save_checkpoints_steps=_USE_DEFAULT, save_checkpoints_secs=_USE_DEFAULT,
                 session_config=None, keep_checkpoint_max=5,
                 keep_checkpoint_every_n_hours=10000, log_step_count_steps=100,
                 train_distribute=None, device_fn=None, protocol=None,
                 eval_distribute=None, experimental_distribute=None,
                 experimental_max_worker_delay_secs=None,
                 session_creation_timeout_secs=7200, checkpoint_save_graph_def=True):
        if save_checkpoints_steps is _USE_DEFAULT and save_checkpoints_secs is _USE_DEFAULT:
            save_checkpoints_steps, save_checkpoints_secs = None, 600
        elif save_checkpoints_secs is _USE_DEFAULT:
            save_checkpoints_secs = None
        elif save_checkpoints_steps is _USE_DEFAULT:
            save_checkpoints_steps = None
        elif save_checkpoints_steps is not None and save_checkpoints_secs is not None:
            raise ValueError(_SAVE_CKPT_ERR)
        if train_distribute is not None or eval_distribute is not None or \
                experimental_distribute is not None:
            raise NotImplementedError("flowgraph's Estimator runs in one process: "
                                      "distribution strategies are not supported.")
        self._model_dir = model_dir
        self._tf_random_seed = tf_random_seed
        self._save_summary_steps = save_summary_steps
        self._save_checkpoints_steps = save_checkpoints_steps
        self._save_checkpoints_secs = save_checkpoints_secs
        self._session_config = session_config
        self._keep_checkpoint_max = keep_checkpoint_max
        self._keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours
        self._log_step_count_steps = log_step_count_steps
        self._train_distribute = train_distribute
        self._device_fn = device_fn
        self._protocol = protocol
        self._eval_distribute = eval_distribute
        self._experimental_distribute = experimental_distribute
        self._experimental_max_worker_delay_secs = experimental_max_worker_delay_secs
        self._session_creation_timeout_secs = session_creation_timeout_secs
        self._checkpoint_save_graph_def = checkpoint_save_graph_def
        self._service = None
        self._cluster_spec = None
        self._task_type = TaskType.WORKER
        self._task_id = 0
        self._global_id_in_cluster = 0
        self._master = ""
        self._evaluation_master = ""
        self._is_chief = True
        self._num_ps_replicas = 0
        self._num_worker_replicas = 1
        _validate(self)

    def __repr__(self):
        return f"{type(self).__name__}({vars(self)!r})"

    def replace(self, **kwargs):
        """A copy with the given properties replaced (only TF's replaceable ones)."""
        config = copy.deepcopy(self)
        for key, value in kwargs.items():
            if key not in _REPLACEABLE:
                raise ValueError(f"Replacing {key} is not supported. Allowed properties "
                                 f"are {_REPLACEABLE}.")
            setattr(config, "_" + key, value)
        steps = "save_checkpoints_steps" in kwargs
        secs = "save_checkpoints_secs" in kwargs
        if steps and secs and config._save_checkpoints_steps is not None and \
                config._save_checkpoints_secs is not None:
            raise ValueError(_SAVE_CKPT_ERR)
        if steps and not secs and config._save_checkpoints_steps is not None:
            config._save_checkpoints_secs = None  # the new one wins, as TF
        if secs and not steps and config._save_checkpoints_secs is not None:
            config._save_checkpoints_steps = None
        _validate(config)
        return config


def _property(name):
    return property(lambda self: getattr(self, "_" + name),
                    doc=f"The config's `{name}`.")


for _name in _REPLACEABLE + ["service", "cluster_spec", "task_type", "task_id",
                             "global_id_in_cluster", "master", "evaluation_master",
                             "is_chief", "num_ps_replicas", "num_worker_replicas"]:
    setattr(RunConfig, _name, _property(_name))
del _name
