"""Per-thread stacks of defaults: the default graph and the default session.

`Graph.as_default()` and `Session.as_default()` push onto them; `Tensor.eval()` and
`Operation.run()` find the session here, so the framework never imports the runtime."""
import contextlib
import threading


class DefaultStack:
    """A stack of default objects, one per thread."""

    def __init__(self):
        self._local = threading.local()

    @property
    def stack(self):
        s = getattr(self._local, "stack", None)
        if s is None:
            s = self._local.stack = []
        return s

    def get(self):
        """The innermost default object of this thread, or None."""
        s = self.stack
        return s[-1] if s else None

    @contextlib.contextmanager
    def push(self, obj):
        """Makes `obj` the default inside the context (nestable; a session entered out of
        order, as an InteractiveSession may be, leaves the others in place)."""
        s = self.stack
        s.append(obj)
        try:
            yield obj
        finally:
            del s[len(s) - 1 - s[::-1].index(obj)]


graphs = DefaultStack()
sessions = DefaultStack()


def get_default_session():
    """The innermost session entered with `as_default()` (or an InteractiveSession)."""
    return sessions.get()


def session_for(session, graph):
    """`session`, or the default session, checked to run `graph`."""
    session = sessions.get() if session is None else session
    if session is None:
        raise ValueError("Cannot evaluate tensor using `eval()`: No default session is "
                         "registered. Use `with sess.as_default()` or pass an explicit "
                         "session to `eval(session=sess)`")
    if session.graph is not graph:
        raise ValueError("Cannot use the given session to evaluate tensor: the tensor's "
                         "graph is different from the session's graph.")
    return session
