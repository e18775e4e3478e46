"""`tf.test.TestCase` and `tf.test.main`, as TF1 graph-mode tests use them.

Each test method starts on a fresh default graph with TF's test seeds (Python, numpy and
the graph seed set to 87654321); `self.session()` / `self.cached_session()` run the
test's graph; the `assertAll*` helpers compare nested values with numpy.
"""
import contextlib
import os
import random
import re
import tempfile
import unittest

import numpy as np

from google.protobuf import text_format

from flowgraph.framework import errors, random_seed
from flowgraph.framework.device import canonical_name
from flowgraph.framework.graph import Tensor, get_default_graph, reset_default_graph
from flowgraph.runtime.session import Session, get_default_session

__all__ = ["TestCase", "main", "get_temp_dir", "assert_equal_graph_def", "test_src_dir_path"]


def main(argv=None):
    """Runs the tests of `__main__` (unittest's runner)."""
    return unittest.main(argv=argv)


def get_temp_dir():
    """A temporary directory for this process's tests (created once)."""
    global _TEMP_DIR
    if _TEMP_DIR is None:
        _TEMP_DIR = tempfile.mkdtemp(prefix="flowgraph_test_")
    return _TEMP_DIR


_TEMP_DIR = None


def _as_array(a):
    return a if isinstance(a, np.ndarray) else np.array(a)


def _tolerance(dtype, rtol, atol, float_rtol=1e-6, float_atol=1e-6, half_rtol=1e-3,
               half_atol=1e-3):
    if dtype == np.float16:
        return max(rtol, half_rtol), max(atol, half_atol)
    if dtype in (np.float32, np.complex64):
        return max(rtol, float_rtol), max(atol, float_atol)
    return rtol, atol


class TestCase(unittest.TestCase):
    """Base class for flowgraph tests (TF's `TensorFlowTestCase`, graph mode)."""

    def __init__(self, methodName="runTest"):
        super().__init__(methodName)
        self._cached_session = None
        self._tempdir = None

    def setUp(self):
        self._clear_cached_session()
        random.seed(random_seed.DEFAULT_GRAPH_SEED)
        np.random.seed(random_seed.DEFAULT_GRAPH_SEED)
        reset_default_graph()
        random_seed.set_random_seed(random_seed.DEFAULT_GRAPH_SEED)

    def tearDown(self):
        self._clear_cached_session()

    def _clear_cached_session(self):
        if self._cached_session is not None:
            self._cached_session.close()
            self._cached_session = None

    def get_temp_dir(self):
        """A temporary directory of this test."""
        if self._tempdir is None:
            self._tempdir = tempfile.mkdtemp(dir=get_temp_dir())
        return self._tempdir

    # -- sessions ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def session(self, graph=None, config=None, use_gpu=True, force_gpu=False):
        """A new session on `graph` (the default graph), entered as the default session."""
        with Session(graph=graph or get_default_graph(), config=config) as sess:
            with sess.as_default():
                yield sess

    @contextlib.contextmanager
    def cached_session(self, graph=None, config=None, use_gpu=True, force_gpu=False):
        """One session per test, reused across calls (closed in `tearDown`)."""
        graph = graph or get_default_graph()
        if self._cached_session is None or self._cached_session.graph is not graph:
            self._clear_cached_session()
            self._cached_session = Session(graph=graph, config=config)
        with self._cached_session.as_default():
            yield self._cached_session

    def test_session(self, graph=None, config=None, use_gpu=True, force_gpu=False):
        """Deprecated `cached_session`; run as a test by unittest, it skips itself."""
        if self.id().endswith(".test_session"):
            self.skipTest("the name test_session is reserved for creating sessions")
        return self.cached_session(graph, config, use_gpu, force_gpu)

    def evaluate(self, tensors):
        """Runs `tensors` (any nest) in the default session, or a cached one."""
        sess = get_default_session()
        if sess is not None:
            return sess.run(tensors)
        with self.cached_session() as sess:
            return sess.run(tensors)

    # -- assertions ---------------------------------------------------------------------------
    def _nested(self, a, b, check, path=""):
        if isinstance(a, dict) or isinstance(b, dict):
            self.assertIsInstance(a, dict, f"at {path or 'top'}")
            self.assertIsInstance(b, dict, f"at {path or 'top'}")
            self.assertEqual(set(a), set(b), f"mismatched keys at {path or 'top'}")
            for k in a:
                self._nested(a[k], b[k], check, f"{path}[{k!r}]")
        elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and \
                not _is_numeric_sequence(a) and not _is_numeric_sequence(b):
            self.assertEqual(len(a), len(b), f"mismatched lengths at {path or 'top'}")
            for i, (x, y) in enumerate(zip(a, b)):
                self._nested(x, y, check, f"{path}[{i}]")
        else:
            check(self._value(a), self._value(b), path)

    def _value(self, a):
        return self.evaluate(a) if isinstance(a, Tensor) else a

    def assertAllClose(self, a, b, rtol=1e-6, atol=1e-6, msg=None):
        """Nested structures of arrays equal within `atol + rtol * |b|` (float32 at 1e-6)."""
        def check(x, y, path):
            x, y = _as_array(x), _as_array(y)
            self.assertEqual(x.shape, y.shape, f"shape mismatch at {path or 'top'}: "
                             f"{x.shape} vs {y.shape}. {msg or ''}")
            np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, equal_nan=True,
                                       err_msg=f"at {path or 'top'}. {msg or ''}")
        self._nested(a, b, check)

    def assertAllCloseAccordingToType(self, a, b, rtol=1e-6, atol=1e-6, float_rtol=1e-6,
                                      float_atol=1e-6, half_rtol=1e-3, half_atol=1e-3,
                                      bfloat16_rtol=1e-2, bfloat16_atol=1e-2, msg=None):
        """`assertAllClose` with the tolerance widened for float32/float16 values."""
        a_arr = _as_array(self._value(a))
        rtol, atol = _tolerance(a_arr.dtype, rtol, atol, float_rtol, float_atol, half_rtol,
                                half_atol)
        self.assertAllClose(a_arr, b, rtol=rtol, atol=atol, msg=msg)

    def assertAllEqual(self, a, b, msg=None):
        """Arrays of the same shape with equal elements."""
        x, y = _as_array(self._value(a)), _as_array(self._value(b))
        self.assertEqual(x.shape, y.shape, f"shape mismatch: {x.shape} vs {y.shape}. "
                                           f"{msg or ''}")
        np.testing.assert_array_equal(x, y, err_msg=msg or "")

    def assertNotAllClose(self, a, b, rtol=1e-6, atol=1e-6, msg=None):
        try:
            self.assertAllClose(a, b, rtol=rtol, atol=atol)
        except AssertionError:
            return
        raise AssertionError(msg or "The two values are close at all elements")

    def assertNotAllEqual(self, a, b, msg=None):
        x, y = _as_array(self._value(a)), _as_array(self._value(b))
        if x.shape == y.shape and np.array_equal(x, y):
            raise AssertionError(msg or "The two values are equal at all elements")

    def assertAllGreater(self, a, comparison_target):
        self.assertGreater(np.min(_as_array(self._value(a))), comparison_target)

    def assertAllLess(self, a, comparison_target):
        self.assertLess(np.max(_as_array(self._value(a))), comparison_target)

    def assertAllGreaterEqual(self, a, comparison_target):
        self.assertGreaterEqual(np.min(_as_array(self._value(a))), comparison_target)

    def assertAllLessEqual(self, a, comparison_target):
        self.assertLessEqual(np.max(_as_array(self._value(a))), comparison_target)

    def assertAllInRange(self, target, lower_bound, upper_bound, open_lower_bound=False,
                         open_upper_bound=False):
        t = _as_array(self._value(target))
        low = t > lower_bound if open_lower_bound else t >= lower_bound
        high = t < upper_bound if open_upper_bound else t <= upper_bound
        if not np.all(low & high):
            raise AssertionError(f"{np.sum(~(low & high))} of {t.size} elements are outside "
                                 f"the range {lower_bound}..{upper_bound}")

    def assertAllInSet(self, target, expected_set):
        t = _as_array(self._value(target))
        extra = set(np.unique(t).tolist()) - set(expected_set)
        if extra:
            raise AssertionError(f"{sorted(extra)} not in {set(expected_set)}")

    def assertArrayNear(self, farray1, farray2, err, msg=None):
        self.assertEqual(len(farray1), len(farray2), msg)
        for f1, f2 in zip(farray1, farray2):
            self.assertNear(float(f1), float(f2), err, msg)

    def assertNDArrayNear(self, ndarray1, ndarray2, err, msg=None):
        self.assertTrue(np.linalg.norm(np.asarray(ndarray1) - np.asarray(ndarray2)) < err,
                        msg)

    def assertNear(self, f1, f2, err, msg=None):
        self.assertTrue(f1 == f2 or abs(f1 - f2) <= err,
                        f"{f1!r} != {f2!r} +/- {err!r}{' (' + msg + ')' if msg else ''}")

    def assertShapeEqual(self, input_a, input_b, msg=None):
        """A numpy array's shape equals a Tensor's static shape."""
        if not isinstance(input_b, Tensor):
            raise TypeError("input_b must be a Tensor")
        self.assertEqual(list(np.shape(input_a)), input_b.get_shape().as_list(), msg)

    def assertDTypeEqual(self, target, expected_dtype):
        for t in target if isinstance(target, (list, tuple)) else [target]:
            self.assertEqual(np.asarray(t).dtype, np.dtype(expected_dtype))

    def assertStartsWith(self, actual, expected_start, msg=None):
        if not actual.startswith(expected_start):
            raise AssertionError(f"{actual!r} does not start with {expected_start!r}"
                                 f"{' : ' + msg if msg else ''}")

    def assertDeviceEqual(self, device1, device2, msg=None):
        self.assertEqual(canonical_name(device1), canonical_name(device2), msg)

    def assertProtoEquals(self, expected_message_maybe_ascii, message, msg=None):
        """`message` equals the expected proto (or its text format)."""
        expected = expected_message_maybe_ascii
        if isinstance(expected, str):
            expected = text_format.Parse(expected, type(message)())
        self.assertEqual(text_format.MessageToString(expected),
                         text_format.MessageToString(message), msg)

    @contextlib.contextmanager
    def assertRaisesWithPredicateMatch(self, exception_type, expected_err_re_or_predicate):
        """The block raises `exception_type` whose message matches (or a predicate is true)."""
        if callable(expected_err_re_or_predicate):
            predicate = expected_err_re_or_predicate
        else:
            def predicate(e):
                return re.search(expected_err_re_or_predicate, str(e)) is not None
        try:
            yield
        except exception_type as e:
            if not predicate(e):
                raise AssertionError(f"Exception of type {type(e).__name__}: {e} does not "
                                     f"match {expected_err_re_or_predicate!r}") from e
        else:
            raise AssertionError(f"{exception_type.__name__} not raised")

    def assertRaisesOpError(self, expected_err_re_or_predicate):
        """The block raises a `tf.errors.OpError` whose message matches."""
        return self.assertRaisesWithPredicateMatch(errors.OpError, expected_err_re_or_predicate)


def _is_numeric_sequence(x):
    try:
        return np.asarray(x).dtype.kind in "biufcSUM?"
    except (ValueError, TypeError):
        return False


def assert_equal_graph_def(expected, actual, checkpoint_v2=False, hash_table_shared_name=False):
    """Raises AssertionError naming the first difference between two GraphDefs (node order
    and attr order ignored)."""
    def nodes(gd):
        return {n.name: n for n in gd.node}
    exp, act = nodes(expected), nodes(actual)
    missing, extra = sorted(set(exp) - set(act)), sorted(set(act) - set(exp))
    if missing or extra:
        raise AssertionError(f"GraphDefs differ: only in expected {missing}, only in actual "
                             f"{extra}")
    for name in sorted(exp):
        if exp[name].SerializeToString(deterministic=True) != \
                act[name].SerializeToString(deterministic=True):
            raise AssertionError(f"GraphDefs differ at node {name!r}:\nexpected:\n{exp[name]}"
                                 f"\nactual:\n{act[name]}")


def test_src_dir_path(relative_path):
    """`relative_path` under the flowgraph package directory."""
    return os.path.join(os.path.dirname(os.path.dirname(__file__)), relative_path)
