"""`Session.partial_run_setup` / `partial_run`: one step run in pieces.

The setup names every feed and fetch of the step. Each `partial_run` call feeds some of
them and fetches some; the values computed so far are kept per handle and fed back into
later calls, so no op with data outputs runs twice in one step (a stateful op is not
rerun). Ops without outputs that many calls need through control edges may run again."""
import itertools

from flowgraph.framework import dtypes, errors
from flowgraph.framework.graph import Operation
from flowgraph.runtime import fetch as fetch_lib

_counter = itertools.count()


class _PartialRun:
    """What one handle declared, what it was fed, what it computed and fetched."""

    def __init__(self, feeds, fetches):
        self.feeds = feeds          # declared feed tensors (a set)
        self.fetches = fetches      # declared fetch tensors (a set)
        self.fed = set()
        self.fetched = set()
        self.values = {}            # tensor -> value known in this step


def _error(msg):
    return errors.InvalidArgumentError(None, None, msg)


def setup(session, fetches, feeds=None):
    """Declares the step's `fetches` and `feeds`; returns the handle (a string)."""
    graph = session.graph
    elements, _ = fetch_lib.flatten(fetches, graph)
    fetch_set = {e for e in elements if e.__class__ is not Operation}
    feed_list = [graph.as_graph_element(f, allow_tensor=True, allow_operation=False)
                 for f in (feeds or ())]
    handle = (",".join(t.name for t in feed_list) + "->" +
              ",".join(sorted(t.name for t in fetch_set)) + f"//{next(_counter)}/;0")
    session._partial_runs[handle] = _PartialRun(set(feed_list), fetch_set)
    return handle


def _storable(t, graph):
    """Whether a computed tensor can be kept and fed back into a later call: not a
    variable itself (its reads may see later writes), but the ref result of an update."""
    dt = t.dtype
    return not ((dt.is_ref_dtype and not t.op.inputs) or
                dt.base_dtype in (dtypes.resource, dtypes.variant) or
                not graph.is_feedable(t) or not graph.is_fetchable(t))


def _needed(tensors, known, state):
    """The ops that must run to compute `tensors` given the `known` values; raises if a
    declared feed that has not been fed yet is needed."""
    ops, stack = [], [t.op for t in tensors if t not in known]
    seen = set(stack)
    while stack:
        op = stack.pop()
        ops.append(op)
        for t in op.inputs:
            if t in known:
                continue
            if t in state.feeds:
                raise _error(f"Fetch {t.name} can't be computed from the feeds that have "
                             "been fed so far.")
            if t.op not in seen:
                seen.add(t.op)
                stack.append(t.op)
        for c in op.control_inputs:
            if c not in seen:
                seen.add(c)
                stack.append(c)
    return ops


def run(session, handle, fetches, feed_dict=None):
    """Feeds `feed_dict` into the step `handle` and returns the values of `fetches`."""
    state = session._partial_runs.get(handle) if isinstance(handle, str) else None
    if state is None:
        raise _error("Must run 'setup' before performing partial runs!")
    graph = session.graph
    elements, rebuild = fetch_lib.flatten(fetches, graph)
    targets = [e for e in elements if e.__class__ is Operation]
    if targets:
        raise RuntimeError(f"partial_run() requires empty `target_list`. Received: "
                           f"target_list={targets} (non-empty)")
    feeds, values = session._convert_feeds(feed_dict)
    for t in feeds:
        if t not in state.feeds:
            raise _error(f"The feed {t.name} was not specified in partial_run_setup.")
        if t in state.fed:
            raise _error(f"The feed {t.name} has already been fed.")
    tensors = list(dict.fromkeys(elements))
    for t in tensors:
        if t not in state.fetches:
            raise _error(f"The fetch {t.name} was not specified in partial_run_setup.")
        if t in state.fetched:
            raise _error(f"The fetch {t.name} has already been fetched.")
    known = dict(state.values)
    known.update(zip(feeds, values))
    ops = _needed(tensors, known, state)
    keep = [t for op in ops for t in op.outputs if _storable(t, graph)]
    wanted = list(dict.fromkeys(tensors + keep))
    out = session.run(wanted, feed_dict=known) if wanted else []
    state.values = known
    state.values.update((t, v) for t, v in zip(wanted, out) if _storable(t, graph))
    state.fed.update(feeds)
    state.fetched.update(tensors)
    result = dict(zip(wanted, out))
    flat = [result[e] for e in elements]
    if state.fetched >= state.fetches and state.fed >= state.feeds:
        state.values = {}  # the step is complete: nothing more will be read
    return rebuild(flat)
