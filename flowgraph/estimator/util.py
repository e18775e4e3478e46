"""What an `input_fn` may return: a tf.data Dataset (read through an initializable
iterator, initialised by a hook once the session exists), a `(features, labels)` pair
or features alone."""
from flowgraph.data import dataset as dataset_lib
from flowgraph.data import iterator as iterator_lib
from flowgraph.train.session_run_hook import SessionRunHook


class DatasetInitializerHook(SessionRunHook):
    """Runs an iterator's initializer right after the session is created."""

    def __init__(self, iterator):
        self._iterator = iterator

    def begin(self):
        self._initializer = self._iterator.initializer

    def after_create_session(self, session, coord):
        session.run(self._initializer)


def parse_iterator_result(result):
    """(features, labels) of an input_fn result that is not a Dataset."""
    if isinstance(result, (list, tuple)):
        if len(result) != 2:
            raise ValueError("input_fn should return (features, labels) as a len 2 tuple.")
        return result[0], result[1]
    return result, None


def parse_input_fn_result(result):
    """(features, labels, input hooks) of an input_fn's result."""
    hooks = []
    if isinstance(result, dataset_lib.DatasetV1):
        iterator = iterator_lib.make_initializable_iterator(result)
        hooks.append(DatasetInitializerHook(iterator))
        result = iterator.get_next()
    return parse_iterator_result(result) + (hooks,)
