"""Running a graph with chosen optimizer passes and reading back the plan it compiled."""
import flowgraph as tf
from flowgraph.proto.rewriter_config_pb2 import RewriterConfig


def config(only=None, off=False, **toggles):
    """A ConfigProto running just the passes `only` (TF's optimizer names), none (`off`),
    or the defaults changed by `toggles` (RewriterConfig fields)."""
    rw = RewriterConfig(min_graph_nodes=-1, **toggles)
    if off:
        rw.disable_meta_optimizer = True
    if only:
        rw.optimizers.extend([only] if isinstance(only, str) else only)
    return tf.ConfigProto(graph_options=tf.GraphOptions(rewrite_options=rw))


def run(fetches, feed_dict=None, graph=None, **kw):
    """(values, plan) of one run of `fetches` under config(**kw)."""
    graph = graph or tf.get_default_graph()
    with tf.Session(graph=graph, config=config(**kw)) as s:
        if graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES):
            s.run(tf.variables_initializer(graph.get_collection(
                tf.GraphKeys.GLOBAL_VARIABLES)))
        values = s.run(fetches, feed_dict)
        plan = s._plans[next(k for k in reversed(list(s._plans)))]
    return values, plan


def op_types(plan):
    """The op types of a plan's steps (constants put in place are no steps; device
    transfers, present where a GPU is, are left out)."""
    return sorted(op.type for op in plan.ops if op.type != "_Transfer")
