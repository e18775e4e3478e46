"""Every registered op is complete and covered by an op-table case (see tests/optest.py)."""
import importlib
import pkgutil

import flowgraph  # noqa: F401  (registers every op)
from flowgraph.framework import registry
import tests.ops
import tests.image
import tests.sparse
import tests.strings


def _tables():
    cases, exempt = [], {}
    for pkg in (tests.ops, tests.image, tests.sparse, tests.strings):
        for m in pkgutil.iter_modules(pkg.__path__):
            mod = importlib.import_module(f"{pkg.__name__}.{m.name}")
            cases.extend(getattr(mod, "CASES", []))
            exempt.update(getattr(mod, "EXEMPT", {}))
    return cases, exempt


def test_every_op_is_complete():
    for name, d in registry.registered().items():
        assert d.kernel is not None or d.binder is not None, f"{name} has no kernel"
        assert d.shape_fn is not None, f"{name} has no shape rule"
        assert d.grad is not None, f"{name}: declare a grad or NOT_DIFFERENTIABLE"
        assert d.doc, f"{name} has no docstring"


def test_every_op_has_a_case():
    cases, exempt = _tables()
    covered = {c.op_type for c in cases}
    grad_checked = {c.op_type for c in cases if c.grad}
    missing = [n for n in registry.registered() if n not in covered and n not in exempt]
    assert not missing, f"ops without a test case: {sorted(missing)}"
    no_grad = [n for n, d in registry.registered().items()
               if d.is_differentiable and n not in grad_checked and n not in exempt]
    assert not no_grad, f"differentiable ops without a gradient check: {sorted(no_grad)}"
