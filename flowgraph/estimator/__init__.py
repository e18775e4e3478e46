"""`tf.estimator`: Estimator, RunConfig, EstimatorSpec, ModeKeys, warm starting, the
training hooks under their estimator names, `tf.estimator.inputs` and
`tf.estimator.export`."""
import types as _types

from flowgraph.estimator.estimator import Estimator
from flowgraph.estimator.mode_keys import ModeKeys
from flowgraph.estimator.model_fn import EstimatorSpec
from flowgraph.estimator.run_config import RunConfig
from flowgraph.estimator.warm_starting import VocabInfo, WarmStartSettings
from flowgraph.estimator.training import EvalSpec, TrainSpec, train_and_evaluate
from flowgraph.estimator.exporter import (BestExporter, Exporter, FinalExporter,
                                          LatestExporter)
from flowgraph.estimator import inputs as _inputs, export_output as _export_output
from flowgraph.estimator import export as _export
from flowgraph.train.session_run_hook import (SessionRunHook, SessionRunArgs,
                                              SessionRunContext, SessionRunValues)
from flowgraph.train.basic_session_run_hooks import (
    CheckpointSaverHook, CheckpointSaverListener, FeedFnHook, FinalOpsHook,
    GlobalStepWaiterHook, LoggingTensorHook, NanLossDuringTrainingError, NanTensorHook,
    SecondOrStepTimer, StepCounterHook, StopAtStepHook, SummarySaverHook)


def _module(name, source, names):
    m = _types.ModuleType(f"flowgraph.estimator.{name}")
    m.__dict__.update({n: getattr(source, n) for n in names})
    return m


inputs = _module("inputs", _inputs, _inputs.__all__)
export = _module("export", _export_output, _export_output.__all__)
export.__dict__.update({n: getattr(_export, n) for n in _export.__all__})

__all__ = ["Estimator", "EstimatorSpec", "ModeKeys", "RunConfig", "VocabInfo",
           "EvalSpec", "TrainSpec", "train_and_evaluate", "BestExporter", "Exporter",
           "FinalExporter", "LatestExporter",
           "WarmStartSettings", "SessionRunHook", "SessionRunArgs", "SessionRunContext",
           "SessionRunValues", "CheckpointSaverHook", "CheckpointSaverListener",
           "FeedFnHook", "FinalOpsHook", "GlobalStepWaiterHook", "LoggingTensorHook",
           "NanLossDuringTrainingError", "NanTensorHook", "SecondOrStepTimer",
           "StepCounterHook", "StopAtStepHook", "SummarySaverHook", "inputs", "export"]

# -- h-canned: the canned estimators (flowgraph/estimator/canned/) -------------------------
from flowgraph.estimator.canned import (DNNClassifier, DNNLinearCombinedClassifier,  # noqa: E402
                                        DNNLinearCombinedRegressor, DNNRegressor,
                                        LinearClassifier, LinearRegressor)

__all__ += ["DNNClassifier", "DNNRegressor", "LinearClassifier", "LinearRegressor",
            "DNNLinearCombinedClassifier", "DNNLinearCombinedRegressor"]
# -- end h-canned --------------------------------------------------------------------------
