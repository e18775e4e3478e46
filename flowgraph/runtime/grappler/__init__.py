"""flowgraph's graph optimizer (TF's Grappler, in the project's shape): small passes over
the pruned graph of a plan, run when the plan is compiled. See docs/grappler.md."""
from flowgraph.runtime.grappler.driver import (  # noqa: F401
    Pass, optimize, passes, register_pass, report_failure)
from flowgraph.runtime.grappler.view import GraphView, Node, ViewTensor  # noqa: F401
from flowgraph.runtime.grappler import (  # noqa: F401  (each module registers its pass)
    arithmetic, common_subgraph, constant_folding, dead_branches, dependency, remapper,
    shape_folding)
