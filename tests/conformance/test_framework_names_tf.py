"""Framework-level tf.compat.v1 names behave as in real TF 2.21 (graph mode): switch_case,
get_static_value, tensor predicates, scopes, type specs, enums, dtypes, tf.config, ...."""
import logging
import os

import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
tf1 = tf_real.compat.v1

import flowgraph as fg  # noqa: E402


def _both(build):
    """`build(lib)` in a fresh graph of each library; returns (ours, TF's) results."""
    out = []
    for lib, graph in ((fg, fg.Graph()), (tf1, tf1.Graph())):
        with graph.as_default():
            out.append(build(lib))
    return out


def _run_both(build, feeds=()):
    """Runs `build(lib) -> (fetch, placeholder)` for each feed value in both libraries."""
    res = []
    for lib, graph in ((fg, fg.Graph()), (tf1, tf1.Graph())):
        with graph.as_default():
            fetch, ph = build(lib)
            with lib.Session(graph=graph) as s:
                res.append([s.run(fetch, {ph: f}) for f in feeds])
    return res


@pytest.mark.parametrize("fns", ["list", "pairs", "dict"])
def test_switch_case_values_and_default(fns):
    def build(lib):
        i = lib.placeholder(lib.int32, [])
        bs = [lambda: lib.constant(1.0), lambda: lib.constant(2.0), lambda: lib.constant(3.0)]
        branch = {"list": bs, "pairs": list(enumerate(bs)),
                  "dict": {2: bs[2], 0: bs[0], 1: bs[1]}}[fns]
        out = [lib.switch_case(i, branch),
               lib.switch_case(i, branch, default=lambda: lib.constant(9.0))]
        return out, i
    ours, theirs = _run_both(build, feeds=(-1, 0, 1, 2, 7))
    assert np.array_equal(ours, theirs)


def test_switch_case_errors():
    for index, fns, err in ((1.0, [lambda: 1], TypeError), (0, [], ValueError),
                            (0, 3, TypeError), (0, {0: lambda: 1, 5: lambda: 2}, ValueError)):
        for lib, graph in ((fg, fg.Graph()), (tf1, tf1.Graph())):
            with graph.as_default(), pytest.raises(err):
                lib.switch_case(lib.constant(index), fns)
    with pytest.raises(TypeError, match="must be a Tensor"):
        fg.switch_case(0, [lambda: 1])


def test_switch_case_gradient():
    def build(lib):
        x = lib.constant([1.0, 2.0])
        i = lib.placeholder(lib.int32, [])
        y = lib.switch_case(i, [lambda: lib.reduce_sum(x * x), lambda: lib.reduce_sum(x * 3)])
        return lib.gradients(y, x)[0], i
    ours, theirs = _run_both(build, feeds=(0, 1))
    np.testing.assert_allclose(ours, theirs)


def test_get_static_value():
    def build(lib):
        x = lib.placeholder(lib.float32, [2, None])
        c = lib.constant([[1.0, 2.0]])
        ts = [lib.shape(c), lib.shape(x), lib.rank(x), lib.size(lib.zeros([2, 3])),
              lib.range(3), lib.cast(lib.constant([1.5]), lib.int32), lib.stack([1, 2]),
              lib.concat([[1], [2]], 0), lib.fill([2], 3), lib.identity(lib.constant(4)),
              lib.stop_gradient(lib.constant(7)), c + 1, x, lib.Variable(1.0)]
        return [lib.get_static_value(t) for t in ts] + [lib.get_static_value([1, 2])]
    ours, theirs = _both(build)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        if b is None:
            assert a is None
        else:
            assert np.asarray(a).dtype == np.asarray(b).dtype
            np.testing.assert_array_equal(a, b)


def test_tensor_predicates():
    def build(lib):
        c, s, b = lib.constant([1.0]), lib.constant("a"), lib.constant(True)
        v = lib.Variable(1.0)
        return [lib.is_tensor(c), lib.is_tensor(np.zeros(2)), lib.is_tensor(v),
                lib.is_tensor(3), lib.is_symbolic_tensor(c), lib.is_symbolic_tensor(1.0),
                lib.is_numeric_tensor(c), lib.is_numeric_tensor(s),
                lib.is_numeric_tensor(b), lib.is_numeric_tensor(lib.constant(1))]
    ours, theirs = _both(build)
    assert ours == theirs


def test_convert_to_tensor_or_indexed_slices():
    def build(lib):
        s = lib.IndexedSlices(lib.constant([[1.0]]), lib.constant([0]), lib.constant([3, 1]))
        t = lib.convert_to_tensor_or_indexed_slices([1, 2])
        return [lib.convert_to_tensor_or_indexed_slices(s) is s, t.dtype.name,
                t.shape.as_list(), type(lib.convert_to_tensor_or_indexed_slices(
                    lib.constant(1.0))).__name__ in ("Tensor", "SymbolicTensor")]
    ours, theirs = _both(build)
    assert ours == theirs


@pytest.mark.parametrize("value", ["tensor", "ab", 3, np.zeros(2), [1], (1,), {1: 2}])
def test_assert_proper_iterable(value):
    def outcome(lib):
        v = lib.constant([1]) if isinstance(value, str) and value == "tensor" else value
        try:
            lib.assert_proper_iterable(v)
            return None
        except Exception as e:
            return type(e), str(e).split("Found")[0]
    ours, theirs = _both(outcome)
    assert ours == theirs


def test_op_scope_and_container():
    def build(lib):
        a = lib.constant(1.0)
        with lib.op_scope([a], "foo", "bar") as s1:
            pass
        with lib.op_scope([a], None, "bar") as s2:
            pass
        with lib.container("c1"):
            v = lib.Variable(1.0, name="cv")
        w = lib.Variable(2.0)
        attr = lambda op: op.get_attr("container")
        norm = lambda x: x.decode() if isinstance(x, bytes) else x
        return [s1, s2, norm(attr(v.op)), norm(attr(w.op))]
    ours, theirs = _both(build)
    assert ours == theirs


def test_init_scope_clears_control_dependencies_and_keeps_the_name_scope():
    def build(lib):
        a = lib.constant(1.0, name="a")
        with lib.name_scope("outer"), lib.control_dependencies([a]):
            with lib.init_scope():
                b = lib.constant(2.0, name="b")
            c = lib.constant(3.0, name="c")
        return [b.name, [x.name for x in b.op.control_inputs],
                [x.name for x in c.op.control_inputs]]
    ours, theirs = _both(build)
    assert ours == theirs


def test_init_scope_lifts_out_of_a_cond_branch():
    g = fg.Graph()
    with g.as_default():
        made = []

        def branch():
            with fg.init_scope():
                made.append(fg.constant(5.0, name="lifted"))
            return fg.constant(1.0)
        fg.cond(fg.constant(True), branch, branch)
        assert made[0].graph is g


def test_enums_match():
    for ours, theirs in ((fg.UnconnectedGradients, tf1.UnconnectedGradients),
                         (fg.VariableAggregation, tf1.VariableAggregation),
                         (fg.VariableSynchronization, tf1.VariableSynchronization)):
        assert [(m.name, m.value) for m in ours] == [(m.name, m.value) for m in theirs]
        assert list(ours.__members__) == list(theirs.__members__)


def test_quantized_dtypes_match():
    names = sorted(d.name for d in fg.QUANTIZED_DTYPES)
    assert names == sorted(d.name for d in tf1.QUANTIZED_DTYPES)
    for n in ("qint8", "quint8", "qint16", "quint16", "qint32"):
        a, b = getattr(fg, n), getattr(tf1, n)
        assert (a.as_datatype_enum, a.name, a.size, a.is_quantized, a.is_integer) == \
            (b.as_datatype_enum, b.name, b.size, b.is_quantized, b.is_integer)
        assert a.as_numpy_dtype == b.as_numpy_dtype
        assert a._as_ref.as_datatype_enum == b._as_ref.as_datatype_enum
        assert fg.as_dtype(n + "_ref").base_dtype is a
        ph = fg.placeholder(a, [2])
        assert ph.dtype == a and str(ph.dtype) == str(b)
    assert not fg.float32.is_quantized and not fg.int8.is_quantized


@pytest.fixture
def tf1_tensorshape():
    """TF prints shapes the TF1 way (`Dimension(2)`, `?`) while the test runs."""
    tf1.disable_v2_tensorshape()
    yield
    tf1.enable_v2_tensorshape()


def test_type_specs_repr_equality_and_compatibility(tf1_tensorshape):
    def build(lib):
        c = lib.constant([[1.0, 2.0]])
        s = lib.TensorSpec([2, None], lib.int32, name="x")
        specs = [s, lib.TensorSpec(None), lib.IndexedSlicesSpec(),
                 lib.IndexedSlicesSpec([3, 2], lib.float64, lib.int32, lib.int64, [None]),
                 lib.SparseTensorSpec([2, 3]), lib.TensorArraySpec([2]),
                 lib.NoneTensorSpec(), lib.RaggedTensorSpec([2, None]),
                 lib.RaggedTensorSpec([2, None, 3]),
                 lib.OptionalSpec(lib.TensorSpec([], lib.float32)),
                 lib.type_spec_from_value(c), lib.type_spec_from_value(np.zeros(3)),
                 lib.type_spec_from_value(3), lib.type_spec_from_value([1.0, 2.0]),
                 lib.TensorSpec.from_spec(s, name="z")]
        facts = [s.is_compatible_with(lib.TensorSpec([2, 3], lib.int32)),
                 s.is_compatible_with(lib.TensorSpec([2, 3], lib.float32)),
                 lib.TensorSpec([2, None]).is_compatible_with(c),
                 lib.TensorSpec([1, None]).is_compatible_with(c),
                 s == lib.TensorSpec([2, None], lib.int32, name="x"),
                 s == lib.TensorSpec([2, None], lib.int32),
                 hash(s) == hash(lib.TensorSpec([2, None], lib.int32, name="x")),
                 lib.IndexedSlicesSpec([3, 2]).is_compatible_with(
                     lib.IndexedSlicesSpec([None, 2])),
                 lib.NoneTensorSpec() == lib.NoneTensorSpec(),
                 issubclass(lib.TensorSpec, lib.TypeSpec),
                 issubclass(lib.RaggedTensorSpec, lib.TypeSpec),
                 lib.RaggedTensorSpec([2, None, 3]).ragged_rank]
        return [repr(x) for x in specs], facts
    ours, theirs = _both(build)
    assert ours == theirs
    with pytest.raises(TypeError):
        fg.TypeSpec()
    with pytest.raises(TypeError, match="Could not build a TypeSpec"):
        fg.type_spec_from_value(object())


def test_behaviour_toggles_report_tf1_state():
    assert fg.control_flow_v2_enabled() is False
    assert fg.resource_variables_enabled() is False
    assert fg.executing_eagerly_outside_functions() is False
    for on, off, query in ((fg.enable_control_flow_v2, fg.disable_control_flow_v2,
                            fg.control_flow_v2_enabled),
                           (fg.enable_resource_variables, fg.disable_resource_variables,
                            fg.resource_variables_enabled)):
        on()
        assert query() is True
        off()
        assert query() is False
    for f in (fg.enable_tensor_equality, fg.disable_tensor_equality,
              fg.enable_v2_tensorshape, fg.disable_v2_tensorshape):
        assert f() is None
    with pytest.raises(NotImplementedError, match="graph mode"):
        fg.enable_eager_execution()


def test_get_logger_is_the_tensorflow_logger():
    assert fg.get_logger() is logging.getLogger("tensorflow")
    assert fg.get_logger().name == tf1.get_logger().name


def test_config_devices_and_settings():
    phys = fg.config.list_physical_devices()
    assert phys[0] == fg.config.PhysicalDevice("/physical_device:CPU:0", "CPU")
    assert repr(phys[0]) == repr(tf1.config.list_physical_devices("CPU")[0])
    assert fg.config.list_logical_devices("CPU") == \
        [fg.config.LogicalDevice("/device:CPU:0", "CPU")]
    assert repr(fg.config.list_logical_devices("CPU")) == \
        repr(tf1.config.list_logical_devices("CPU"))
    assert fg.config.get_visible_devices("CPU") == phys[:1]
    assert fg.config.experimental.list_physical_devices is fg.config.list_physical_devices
    assert fg.config.list_physical_devices("TPU") == []
    th = fg.config.threading
    assert th.get_inter_op_parallelism_threads() == 0
    th.set_inter_op_parallelism_threads(2)
    th.set_intra_op_parallelism_threads(3)
    assert (th.get_inter_op_parallelism_threads(),
            th.get_intra_op_parallelism_threads()) == (2, 3)
    th.set_inter_op_parallelism_threads(0)
    th.set_intra_op_parallelism_threads(0)
    fg.config.set_soft_device_placement(True)
    assert fg.config.get_soft_device_placement() is True
    fg.config.set_soft_device_placement(False)


def test_sysconfig_resource_loader_and_load_library():
    assert os.path.isfile(os.path.join(fg.sysconfig.get_lib(), "__init__.py"))
    for f in (fg.sysconfig.get_include, fg.sysconfig.get_compile_flags,
              fg.sysconfig.get_link_flags):
        with pytest.raises(NotImplementedError, match="flowgraph"):
            f()
    assert set(fg.sysconfig.get_build_info()) >= {"is_cuda_build", "is_rocm_build"}
    here = os.path.dirname(os.path.abspath(__file__))
    assert os.path.abspath(fg.resource_loader.get_data_files_path()) == here
    assert os.path.abspath(fg.resource_loader.get_path_to_datafile("a/b")) == \
        os.path.join(here, "a", "b")
    assert fg.resource_loader.readahead_file_path("x") == \
        tf1.resource_loader.readahead_file_path("x")
    assert fg.resource_loader.load_resource("flowgraph/__init__.py").startswith(b'"""')
    with pytest.raises(FileNotFoundError):
        fg.resource_loader.load_resource("flowgraph/nonexistent")
    for f in (fg.load_op_library, fg.load_library, fg.load_file_system_library):
        with pytest.raises(NotImplementedError, match="flowgraph"):
            f("x.so")


def test_module_namespaces():
    assert set(dir(fg.nest)) >= {n for n in dir(tf1.nest) if not n.startswith("_")}
    s = {"a": [1, (2, 3)]}
    assert fg.nest.flatten(s) == tf1.nest.flatten(s)
    assert fg.nest.is_nested([1]) == tf1.nest.is_nested([1]) and not fg.nest.is_nested(1)
    assert fg.nest.map_structure(lambda x: x * 2, s) == tf1.nest.map_structure(
        lambda x: x * 2, s)
    got = {n for n in dir(fg.manip) if not n.startswith("_")}
    assert got and got <= {n for n in dir(tf1.manip) if not n.startswith("_")}
    assert fg.manip.roll is fg.roll and fg.manip.reshape is fg.reshape
    assert "experimental" in dir(fg.types)
    with fg.Session() as s:
        fact = s.run(fg.user_ops.my_fact())
    with tf1.Graph().as_default(), tf1.Session() as s:
        assert fact == s.run(tf1.user_ops.my_fact())


_NAMES = """custom_gradient grad_pass_through recompute_grad no_gradient UnconnectedGradients
switch_case init_scope py_function op_scope container get_static_value is_tensor
is_symbolic_tensor is_numeric_tensor convert_to_tensor_or_indexed_slices
assert_proper_iterable executing_eagerly_outside_functions control_flow_v2_enabled
resource_variables_enabled enable_eager_execution enable_control_flow_v2
disable_control_flow_v2 enable_resource_variables disable_resource_variables
enable_tensor_equality disable_tensor_equality enable_v2_tensorshape disable_v2_tensorshape
get_logger VariableAggregation VariableSynchronization variable_creator_scope count_up_to
fixed_size_partitioner min_max_variable_partitioner variable_axis_size_partitioner
create_partitioned_variables get_session_handle get_session_tensor delete_session_tensor
nest manip sysconfig resource_loader user_ops types config load_op_library load_library
load_file_system_library TensorSpec TypeSpec IndexedSlicesSpec SparseTensorSpec
TensorArraySpec NoneTensorSpec OptionalSpec RaggedTensorSpec type_spec_from_value qint8
quint8 qint16 quint16 qint32 QUANTIZED_DTYPES""".split()


def test_names_exist_in_tf_flowgraph_and_compat_v1():
    import flowgraph.compat.v1 as fg_v1
    for n in _NAMES:
        assert hasattr(tf1, n), n
        assert getattr(fg_v1, n) is getattr(fg, n), n
