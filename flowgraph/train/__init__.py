"""`tf.train`: optimizers, the global step, learning-rate schedules, and (from the saver
modules) `Saver`, checkpoint state and reader functions, meta-graph export/import."""
from flowgraph.train.optimizer import Optimizer
from flowgraph.train.optimizers import (GradientDescentOptimizer, MomentumOptimizer,
                                        AdagradOptimizer, AdadeltaOptimizer, RMSPropOptimizer)
from flowgraph.train.adam import AdamOptimizer, FtrlOptimizer
from flowgraph.train.training_util import (global_step, get_global_step, create_global_step,
                                           get_or_create_global_step, assert_global_step)
from flowgraph.train.learning_rate_decay import (exponential_decay, inverse_time_decay,
                                                 natural_exp_decay, piecewise_constant,
                                                 polynomial_decay, cosine_decay)
from flowgraph.train import saver as _saver, checkpoint_management as _cm
from flowgraph.train.saver import *  # noqa: F401,F403
from flowgraph.train.checkpoint_management import *  # noqa: F401,F403
from flowgraph.train.checkpoint import (NewCheckpointReader, load_checkpoint, load_variable,
                                        list_variables)
from flowgraph.train.moving_averages import ExponentialMovingAverage
from flowgraph.train.session_run_hook import (SessionRunHook, SessionRunArgs,
                                              SessionRunContext, SessionRunValues)
from flowgraph.train.basic_session_run_hooks import (
    SecondOrStepTimer, LoggingTensorHook, StopAtStepHook, CheckpointSaverListener,
    CheckpointSaverHook, StepCounterHook, NanLossDuringTrainingError, NanTensorHook,
    SummarySaverHook, GlobalStepWaiterHook, FinalOpsHook, FeedFnHook)
from flowgraph.train.monitored_session import (Scaffold, SessionCreator, ChiefSessionCreator,
                                               WorkerSessionCreator, MonitoredSession,
                                               SingularMonitoredSession,
                                               MonitoredTrainingSession)
from flowgraph.train.coordinator import Coordinator
from flowgraph.framework.meta_graph import export_meta_graph
from flowgraph.framework.graph_io import write_graph
from flowgraph.summary.event_reader import summary_iterator

__all__ = ["Optimizer", "GradientDescentOptimizer", "MomentumOptimizer", "AdagradOptimizer",
           "AdadeltaOptimizer", "RMSPropOptimizer", "AdamOptimizer", "FtrlOptimizer",
           "global_step", "get_global_step", "create_global_step",
           "get_or_create_global_step", "assert_global_step", "exponential_decay",
           "inverse_time_decay", "natural_exp_decay", "piecewise_constant",
           "polynomial_decay", "cosine_decay", "NewCheckpointReader", "load_checkpoint",
           "load_variable", "list_variables", "export_meta_graph", "import_meta_graph",
           "write_graph", "ExponentialMovingAverage", "Coordinator",
           "summary_iterator"]
from flowgraph.train import session_run_hook as _srh, basic_session_run_hooks as _bh, \
    monitored_session as _ms
__all__ += _srh.__all__ + _bh.__all__ + _ms.__all__
__all__ += [n for n in _saver.__all__ + _cm.__all__ if n not in __all__]
# Proximal optimizers and Adagrad DA (h-metrics).
from flowgraph.train.proximal import (ProximalGradientDescentOptimizer,  # noqa: E402
                                      ProximalAdagradOptimizer, AdagradDAOptimizer)
from flowgraph.train import proximal as _proximal  # noqa: E402
__all__ += _proximal.__all__
# Initializing variables from a checkpoint (h-misc).
from flowgraph.train.checkpoint_utils import init_from_checkpoint  # noqa: E402
__all__ += ["init_from_checkpoint"]
# Clusters, servers and device setters for distributed training on Ray (issue #19).
from flowgraph.distribute import (ClusterSpec, ClusterDef, JobDef, Server,  # noqa: E402
                                  ServerDef, replica_device_setter)
__all__ += ["ClusterSpec", "ClusterDef", "JobDef", "Server", "ServerDef",
            "replica_device_setter"]
from flowgraph.train.session_manager import SessionManager  # noqa: E402
__all__ += ["SessionManager"]
from flowgraph.train.sync_replicas_optimizer import SyncReplicasOptimizer  # noqa: E402
__all__ += ["SyncReplicasOptimizer"]
