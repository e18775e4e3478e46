"""`Model.save`, `save_weights` and `load_weights`, as a mixin the engine's `Model`
inherits: thin methods over `flowgraph.keras.saving.save`."""

from flowgraph.keras.saving import save as _save

__all__ = ["ModelSavingMixin"]


class ModelSavingMixin:
    """The file methods of a Keras `Model`."""

    def save(self, filepath, overwrite=True, include_optimizer=True, save_format=None,
             signatures=None, options=None, save_traces=True):
        """Saves the model (architecture, weights, optimizer state) to one HDF5 file."""
        _save.save_model(self, filepath, overwrite, include_optimizer, save_format,
                         signatures, options, save_traces)

    def save_weights(self, filepath, overwrite=True, save_format=None, options=None):
        """Saves the weights: HDF5 for a path ending in `.h5`, else a TF checkpoint."""
        _save.save_weights(self, filepath, overwrite, save_format, options)

    def load_weights(self, filepath, by_name=False, skip_mismatch=False, options=None):
        """Loads weights saved by `save_weights` (HDF5 or TF checkpoint)."""
        return _save.load_weights(self, filepath, by_name, skip_mismatch, options)
