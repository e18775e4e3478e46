"""`tf.estimator.export.PredictOutput`, `ClassificationOutput`, `RegressionOutput`: what
a model serves, each turned into a SignatureDef given the serving receiver's tensors."""
from flowgraph.framework import dtypes
from flowgraph.framework.graph import Tensor

__all__ = ["ExportOutput", "ClassificationOutput", "RegressionOutput", "PredictOutput"]

_ONE_STRING_INPUT = (
    "{} signatures can only accept a single tensor input of type tf.string. Please check "
    "to make sure that you have structured the serving_input_receiver_fn so that it "
    "creates a single string placeholder. If your model function expects multiple "
    "inputs, then use `tf.io.parse_example()` to parse the string into multiple "
    "tensors.\n Received: {}")


def _signature_def_utils():
    from flowgraph.saved_model import signature_def_utils
    return signature_def_utils


class ExportOutput:
    """An output of a served model; `as_signature_def(receiver_tensors)`."""

    _SEPARATOR_CHAR = "/"

    def as_signature_def(self, receiver_tensors):
        raise NotImplementedError

    def _check_output_key(self, key, error_label):
        if isinstance(key, tuple):
            key = self._SEPARATOR_CHAR.join(key)
        if not isinstance(key, str):
            raise ValueError(f"{error_label} output key must be a string; got {key}.")
        return key

    def _wrap_and_check_outputs(self, outputs, single_output_default_name,
                                error_label=None):
        if not isinstance(outputs, dict):
            outputs = {single_output_default_name: outputs}
        out = {}
        for key, value in outputs.items():
            label = error_label or single_output_default_name
            key = self._check_output_key(key, label)
            if not isinstance(value, Tensor):
                raise ValueError(f"{label} output value must be a Tensor; got {value}.")
            out[key] = value
        return out


def _single_string_input(kind, receiver_tensors):
    if len(receiver_tensors) != 1:
        raise ValueError(_ONE_STRING_INPUT.format(kind, receiver_tensors))
    (_, examples), = receiver_tensors.items()
    if dtypes.as_dtype(examples.dtype) != dtypes.string:
        raise ValueError(_ONE_STRING_INPUT.format(kind, receiver_tensors))
    return examples


class ClassificationOutput(ExportOutput):
    """Float `scores` and/or string `classes` for a classification signature."""

    def __init__(self, scores=None, classes=None):
        if scores is not None and not (isinstance(scores, Tensor) and
                                       scores.dtype.is_floating):
            raise ValueError(f"Classification scores must be a float32 Tensor; got "
                             f"{scores}")
        if classes is not None and not (isinstance(classes, Tensor) and
                                        dtypes.as_dtype(classes.dtype) == dtypes.string):
            raise ValueError(f"Classification classes must be a string Tensor; got "
                             f"{classes}")
        if scores is None and classes is None:
            raise ValueError("Cannot create a ClassificationOutput with empty arguments. "
                             "At least one of `scores` and `classes` must be defined.")
        self._scores, self._classes = scores, classes

    @property
    def scores(self):
        return self._scores

    @property
    def classes(self):
        return self._classes

    def as_signature_def(self, receiver_tensors):
        examples = _single_string_input("Classification", receiver_tensors)
        return _signature_def_utils().classification_signature_def(
            examples, self.classes, self.scores)


class RegressionOutput(ExportOutput):
    """A float `value` for a regression signature."""

    def __init__(self, value):
        if not (isinstance(value, Tensor) and value.dtype.is_floating):
            raise ValueError(f"Regression output value must be a float32 Tensor; got "
                             f"{value}")
        self._value = value

    @property
    def value(self):
        return self._value

    def as_signature_def(self, receiver_tensors):
        examples = _single_string_input("Regression", receiver_tensors)
        return _signature_def_utils().regression_signature_def(examples, self.value)


class PredictOutput(ExportOutput):
    """A tensor or dict of tensors for a predict signature (a lone tensor is `output`)."""

    _SINGLE_OUTPUT_DEFAULT_NAME = "output"

    def __init__(self, outputs):
        self._outputs = self._wrap_and_check_outputs(
            outputs, self._SINGLE_OUTPUT_DEFAULT_NAME, error_label="Prediction")

    @property
    def outputs(self):
        return self._outputs

    def as_signature_def(self, receiver_tensors):
        return _signature_def_utils().predict_signature_def(receiver_tensors, self.outputs)
