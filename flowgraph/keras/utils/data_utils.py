"""Keras data utilities: `Sequence` (batches by index) and `get_file` (cached download)."""

import abc

__all__ = ["Sequence"]


class Sequence:
    """Base class for a dataset served in batches by position.

    Subclasses implement `__getitem__(index)` (one whole batch) and `__len__`
    (the number of batches); `on_epoch_end` runs after every epoch of `fit`.
    """

    @abc.abstractmethod
    def __getitem__(self, index):
        """Return the batch at position `index`."""
        raise NotImplementedError

    @abc.abstractmethod
    def __len__(self):
        """Return the number of batches."""
        raise NotImplementedError

    def on_epoch_end(self):
        """Called at the end of every epoch; does nothing by default."""

    def __iter__(self):
        """Yield the batches in order, once."""
        for i in range(len(self)):
            yield self[i]
