"""State that dataset and iterator kernels keep per Session (iterators, shuffle seeds),
so two sessions on one graph are independent, as in TF's resource manager."""
import threading
import weakref

_STATE = weakref.WeakKeyDictionary()  # session -> {key: object}
_LOCK = threading.RLock()


def get(ctx, key, make):
    """The object under `key` in the session of run context `ctx`, made by `make()` the
    first time."""
    with _LOCK:
        table = _STATE.get(ctx.session)
        if table is None:
            table = _STATE[ctx.session] = {}
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
        _STATE.setdefault(ctx.session, {})[key] = obj
