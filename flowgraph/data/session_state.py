"""State that dataset and iterator kernels keep per Session (iterators, shuffle seeds),
so two sessions on one graph are independent, as in TF's resource manager."""
import threading
import weakref

_STATE = weakref.WeakKeyDictionary()  # session -> {key: object}
_LOCK = threading.RLock()


def _table(session):
    """The session's table, made on first use; closing the session closes what it holds
    (iterators stop their prefetch threads)."""
    table = _STATE.get(session)
    if table is None:
        table = _STATE[session] = {}
        manager = getattr(session, "_cancellation", None)
        if manager is not None:
            manager.register(lambda: _close_all(session))
    return table


def _close_all(session):
    with _LOCK:
        table = _STATE.pop(session, {})
    for obj in table.values():
        close = getattr(obj, "close", None)
        if close is not None:
            close()


def get(ctx, key, make):
    """The object under `key` in the session of run context `ctx`, made by `make()` the
    first time."""
    with _LOCK:
        table = _table(ctx.session)
        obj = table.get(key)
        if obj is None:
            obj = table[key] = make()
        return obj


def find(ctx, key):
    """The object under `key` in the session of `ctx`, or None."""
    with _LOCK:
        return _STATE.get(ctx.session, {}).get(key)


def put(ctx, key, obj):
    with _LOCK:
        _table(ctx.session)[key] = obj
