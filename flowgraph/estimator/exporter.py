"""`tf.estimator.Exporter`s that `train_and_evaluate` calls after each evaluation:
LatestExporter (every time, keeping the newest N), BestExporter (when the metrics beat
the best so far, also read back from the eval event files), FinalExporter (at the end)."""
import glob
import os
import shutil

from flowgraph import tf_logging as logging
from flowgraph.summary.event_reader import summary_iterator
from flowgraph.estimator.model_fn import fn_args

__all__ = ["Exporter", "LatestExporter", "BestExporter", "FinalExporter"]


class Exporter:
    """Exports an Estimator's model to `export_path` given the evaluation's results."""

    @property
    def name(self):
        raise NotImplementedError

    def export(self, estimator, export_path, checkpoint_path, eval_result,
               is_the_final_export):
        raise NotImplementedError


class _SavedModelExporter(Exporter):
    def __init__(self, name, serving_input_receiver_fn, assets_extra=None, as_text=False):
        self._name = name
        self._serving_input_receiver_fn = serving_input_receiver_fn
        self._assets_extra = assets_extra
        self._as_text = as_text

    @property
    def name(self):
        return self._name

    def export(self, estimator, export_path, checkpoint_path, eval_result,
               is_the_final_export):
        return estimator.export_saved_model(
            export_path, self._serving_input_receiver_fn, assets_extra=self._assets_extra,
            as_text=self._as_text, checkpoint_path=checkpoint_path)


def _check_keep(exports_to_keep, message):
    if exports_to_keep is not None and exports_to_keep <= 0:
        raise ValueError(message)


def _garbage_collect_exports(export_dir_base, exports_to_keep):
    """Deletes all but the `exports_to_keep` newest `<10-digit timestamp>` exports."""
    if exports_to_keep is None or not os.path.isdir(export_dir_base):
        return
    versions = sorted(n for n in os.listdir(export_dir_base)
                      if len(n) == 10 and n.isdigit())
    for name in versions[:-exports_to_keep]:
        shutil.rmtree(os.path.join(export_dir_base, name), ignore_errors=True)


def _loss_smaller(best_eval_result, current_eval_result):
    """True when the current evaluation's `loss` is smaller than the best one's."""
    if not best_eval_result or "loss" not in best_eval_result:
        raise ValueError("best_eval_result cannot be empty or no loss is found in it.")
    if not current_eval_result or "loss" not in current_eval_result:
        raise ValueError("current_eval_result cannot be empty or no loss is found in it.")
    return best_eval_result["loss"] > current_eval_result["loss"]


def _verify_compare_fn_args(compare_fn):
    args = set(fn_args(compare_fn))
    if "best_eval_result" not in args:
        raise ValueError(f"compare_fn ({compare_fn}) must include best_eval_result argument.")
    if "current_eval_result" not in args:
        raise ValueError(f"compare_fn ({compare_fn}) must include current_eval_result "
                         f"argument.")
    bad = list(args - {"best_eval_result", "current_eval_result"})
    if bad:
        raise ValueError(f"compare_fn ({compare_fn}) has following not expected args: {bad}")


class LatestExporter(Exporter):
    """Exports after every evaluation, keeping the newest `exports_to_keep`."""

    def __init__(self, name, serving_input_receiver_fn, assets_extra=None, as_text=False,
                 exports_to_keep=5):
        self._saved_model_exporter = _SavedModelExporter(name, serving_input_receiver_fn,
                                                         assets_extra, as_text)
        self._exports_to_keep = exports_to_keep
        _check_keep(exports_to_keep, "`exports_to_keep`, if provided, must be positive "
                                     "number")

    @property
    def name(self):
        return self._saved_model_exporter.name

    def export(self, estimator, export_path, checkpoint_path, eval_result,
               is_the_final_export):
        result = self._saved_model_exporter.export(estimator, export_path, checkpoint_path,
                                                   eval_result, is_the_final_export)
        _garbage_collect_exports(export_path, self._exports_to_keep)
        return result


class FinalExporter(Exporter):
    """Exports once, after the evaluation at the end of training."""

    def __init__(self, name, serving_input_receiver_fn, assets_extra=None, as_text=False):
        self._saved_model_exporter = _SavedModelExporter(name, serving_input_receiver_fn,
                                                         assets_extra, as_text)

    @property
    def name(self):
        return self._saved_model_exporter.name

    def export(self, estimator, export_path, checkpoint_path, eval_result,
               is_the_final_export):
        if not is_the_final_export:
            return None
        logging.info("Performing the final export in the end of training.")
        return self._saved_model_exporter.export(estimator, export_path, checkpoint_path,
                                                 eval_result, is_the_final_export)


class BestExporter(Exporter):
    """Exports when `compare_fn(best_eval_result, current_eval_result)` says the new
    evaluation is better (default: smaller loss); the best so far is first read from the
    event files matching `event_file_pattern` under model_dir."""

    def __init__(self, name="best_exporter", serving_input_receiver_fn=None,
                 event_file_pattern="eval/*.tfevents.*", compare_fn=_loss_smaller,
                 assets_extra=None, as_text=False, exports_to_keep=5):
        if compare_fn is None:
            raise ValueError("`compare_fn` must not be None.")
        _verify_compare_fn_args(compare_fn)
        self._compare_fn = compare_fn
        self._saved_model_exporter = _SavedModelExporter(name, serving_input_receiver_fn,
                                                         assets_extra, as_text)
        self._event_file_pattern = event_file_pattern
        self._model_dir = None
        self._best_eval_result = None
        self._has_exported = False
        self._exports_to_keep = exports_to_keep
        _check_keep(exports_to_keep, f"`exports_to_keep`, if provided, must be a positive "
                                     f"number. Got {exports_to_keep}")

    @property
    def name(self):
        return self._saved_model_exporter.name

    def export(self, estimator, export_path, checkpoint_path, eval_result,
               is_the_final_export):
        if self._model_dir != estimator.model_dir and self._event_file_pattern:
            logging.info("Loading best metric from event files.")
            self._model_dir = estimator.model_dir
            self._best_eval_result = self._get_best_eval_result(
                os.path.join(self._model_dir, self._event_file_pattern))
        if self._best_eval_result is None or not self._has_exported or self._compare_fn(
                best_eval_result=self._best_eval_result, current_eval_result=eval_result):
            logging.info("Performing best model export.")
            self._best_eval_result = eval_result
            result = self._saved_model_exporter.export(estimator, export_path,
                                                       checkpoint_path, eval_result,
                                                       is_the_final_export)
            _garbage_collect_exports(export_path, self._exports_to_keep)
            self._has_exported = True
            return result
        return None

    def _get_best_eval_result(self, pattern):
        best = None
        for path in glob.glob(pattern):
            for event in summary_iterator(path):
                if not event.HasField("summary"):
                    continue
                result = {v.tag: v.simple_value for v in event.summary.value
                          if v.HasField("simple_value")}
                if result and (best is None or self._compare_fn(best, result)):
                    best = result
        return best
