"""The graph optimizer's driver: registered passes run in order over a plan's GraphView,
each switchable through `ConfigProto.graph_options.rewrite_options` (TF's RewriterConfig
field names), as TF's meta-optimizer runs Grappler's."""
import time

from flowgraph import tf_logging
from flowgraph.proto.rewriter_config_pb2 import RewriterConfig

_PASSES = []
# TF skips graphs smaller than this (RewriterConfig.min_graph_nodes = 0 picks it).
DEFAULT_MIN_GRAPH_NODES = 4


class Pass:
    """One optimizer pass. Subclasses set `name` (TF's optimizer name, as listed in
    `RewriterConfig.optimizers`), `toggle` (the RewriterConfig field switching it),
    `order` (smaller runs first) and `default_on`, and implement `run(view)`, which
    rewrites the GraphView and returns how many rewrites it made."""

    name = None
    toggle = None
    order = 100
    default_on = True

    def run(self, view):
        raise NotImplementedError

    def enabled(self, config):
        """Whether `config` (a RewriterConfig, or None for the defaults) turns it on."""
        if config is None:
            return self.default_on
        if config.optimizers:
            return self.name in config.optimizers
        v = getattr(config, self.toggle) if self.toggle else RewriterConfig.DEFAULT
        return self.default_on if v == RewriterConfig.DEFAULT else v != RewriterConfig.OFF


def register_pass(cls):
    """Class decorator adding a Pass subclass to the optimizer, kept sorted by `order`."""
    if any(p.name == cls.name for p in _PASSES):
        raise KeyError(f"Optimizer pass {cls.name!r} registered twice")
    _PASSES.append(cls())
    _PASSES.sort(key=lambda p: p.order)
    return cls


def passes():
    """The registered passes, in the order they run."""
    return list(_PASSES)


class Stats:
    """What one optimization did: per pass, (name, seconds, rewrites), over iterations
    (seconds of the compiling thread's CPU time, so other load does not count)."""

    def __init__(self):
        self.passes = []
        self.nodes_before = self.nodes_after = 0

    def total_seconds(self):
        return sum(s for _, s, _ in self.passes)


def optimize(view, config=None):
    """Runs the enabled passes over `view` (meta_optimizer_iterations times, TF's default
    being two, stopping early when an iteration changes nothing). Returns a Stats.
    A pass that fails is reported and the plan is compiled unoptimized (raise with
    `fail_on_optimizer_errors`), as TF does."""
    stats = Stats()
    stats.nodes_before = len(view.nodes)
    if config is not None and config.disable_meta_optimizer:
        return stats
    limit = DEFAULT_MIN_GRAPH_NODES if config is None or not config.min_graph_nodes \
        else config.min_graph_nodes
    if len(view.nodes) < limit:
        return stats
    active = [p for p in _PASSES if p.enabled(config)]
    iterations = 1 if config is not None and \
        config.meta_optimizer_iterations == RewriterConfig.ONE else 2
    for _ in range(iterations):
        changed = 0
        for p in active:
            t0 = time.thread_time()
            n = p.run(view)
            stats.passes.append((p.name, time.thread_time() - t0, n))
            changed += n
        if not changed:
            break
    stats.nodes_after = len(view.nodes)
    return stats


def report_failure(e, config):
    """A pass raised: TF logs it and runs the graph as it was, unless asked to fail."""
    if config is not None and config.fail_on_optimizer_errors:
        raise e
    tf_logging.warning(f"Graph optimizer failed ({type(e).__name__}: {e}); the plan runs "
                       "unoptimized.")
