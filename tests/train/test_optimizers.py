"""tf.train optimizers: the Optimizer API (compute/apply/minimize), slots, global step,
sparse updates, errors. Values are checked by hand; tests/conformance/test_train_tf.py
checks every optimizer step by step against real TensorFlow."""
import numpy as np
import pytest

import flowgraph as tf


def _quadratic(name="w", trainable=True):
    w = tf.Variable([1.0, 2.0], name=name, trainable=trainable)
    return w, tf.reduce_sum(tf.square(w))  # gradient 2w


def test_gradient_descent_minimize_by_hand():
    w, loss = _quadratic()
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    assert train.type == "NoOp" and train.name == "GradientDescent"
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(train)
        np.testing.assert_allclose(s.run(w), [0.8, 1.6], rtol=1e-6)
        s.run(train)
        np.testing.assert_allclose(s.run(w), [0.64, 1.28], rtol=1e-6)


def test_momentum_and_adam_first_steps_by_hand():
    w, loss = _quadratic()
    opt = tf.train.MomentumOptimizer(0.1, 0.5)
    train = opt.minimize(loss)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(train)  # accum = g = [2, 4]; w -= 0.1 * accum
        np.testing.assert_allclose(s.run(w), [0.8, 1.6], rtol=1e-6)
        s.run(train)  # accum = 0.5 * [2, 4] + [1.6, 3.2]
        np.testing.assert_allclose(s.run(opt.get_slot(w, "momentum")), [2.6, 5.2], rtol=1e-6)
        np.testing.assert_allclose(s.run(w), [0.54, 1.08], rtol=1e-6)
    tf.reset_default_graph()
    w, loss = _quadratic()
    train = tf.train.AdamOptimizer(0.1).minimize(loss)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(train)  # the first Adam step moves every coordinate by about lr
        np.testing.assert_allclose(s.run(w), [0.9, 1.9], rtol=1e-5)


def test_compute_gradients_pairs_and_defaults():
    w, loss = _quadratic()
    frozen = tf.Variable(3.0, name="frozen", trainable=False)
    unused = tf.Variable(1.0, name="unused")
    extra = tf.Variable(2.0, name="extra", trainable=False)
    tf.add_to_collection(tf.GraphKeys.TRAINABLE_RESOURCE_VARIABLES, extra)
    loss = loss * frozen + extra
    gv = tf.train.GradientDescentOptimizer(0.1).compute_gradients(loss)
    assert [v for _, v in gv] == [w, unused, extra]
    assert gv[1][0] is None
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        np.testing.assert_allclose(s.run(gv[0][0]), [6.0, 12.0])
        assert s.run(gv[2][0]) == 1.0
    gv = tf.train.GradientDescentOptimizer(0.1).compute_gradients(loss, var_list=[[frozen]])
    assert gv[0][1] is frozen and gv[0][0] is not None


def test_trainable_false_is_never_updated():
    w, loss = _quadratic()
    frozen = tf.Variable([5.0, 6.0], name="frozen", trainable=False)
    loss = loss + tf.reduce_sum(frozen * w)
    for opt in (tf.train.AdamOptimizer(0.1), tf.train.RMSPropOptimizer(0.1),
                tf.train.GradientDescentOptimizer(0.1)):
        train = opt.minimize(loss)
        assert opt.get_slot(frozen, opt.get_slot_names()[0] if opt.get_slot_names()
                            else "x") is None
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            for _ in range(3):
                s.run(train)
            np.testing.assert_array_equal(s.run(frozen), [5.0, 6.0])


def test_errors_as_tf():
    w, loss = _quadratic()
    other = tf.Variable(1.0, name="other")
    opt = tf.train.GradientDescentOptimizer(0.1)
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        opt.apply_gradients([(None, w)])
    with pytest.raises(ValueError, match="No gradients provided for any variable, check your"):
        opt.minimize(other * 2.0, var_list=[w])
    with pytest.raises(ValueError, match="No variables provided"):
        opt.apply_gradients([])
    with pytest.raises(ValueError, match="No variables to optimize"):
        opt.compute_gradients(loss, var_list=[])
    with pytest.raises(ValueError, match="gate_gradients must be one of"):
        opt.compute_gradients(loss, gate_gradients=7)
    with pytest.raises(ValueError, match="Invalid type"):
        opt.compute_gradients(tf.constant(1))
    with pytest.raises(TypeError, match="Gradient must be convertible"):
        opt.apply_gradients([(object(), w)])
    with pytest.raises(ValueError, match="Must specify the optimizer name"):
        tf.train.Optimizer(False, "")
    with pytest.raises(ValueError, match="initial_accumulator_value must be positive"):
        tf.train.AdagradOptimizer(0.1, initial_accumulator_value=0.0)
    with pytest.raises(ValueError, match="learning_rate_power"):
        tf.train.FtrlOptimizer(0.1, learning_rate_power=0.5)
    with pytest.raises(ValueError, match="l1_regularization_strength"):
        tf.train.FtrlOptimizer(0.1, l1_regularization_strength=-1.0)
    with pytest.raises(NotImplementedError):
        tf.train.Optimizer(False, "Base").minimize(loss)


def test_global_step_increments_after_the_updates():
    w, loss = _quadratic()
    step = tf.train.get_or_create_global_step()
    train = tf.train.AdamOptimizer(0.1).minimize(loss, global_step=step)
    assert (train.name, train.type) == ("Adam", "AssignAdd")
    g = tf.get_default_graph()
    update = g.get_operation_by_name("Adam/update")
    assert update in train.control_inputs and update.type == "NoOp"
    assert g.get_operation_by_name("Adam/value").get_attr("dtype") == tf.int64
    assert tf.get_collection(tf.GraphKeys.TRAIN_OP) == [train]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for _ in range(4):
            s.run(train)
        assert tf.train.global_step(s, step) == 4


def test_slots_names_collections_and_colocation():
    w, loss = _quadratic()
    b = tf.Variable(0.5, name="b")
    with tf.name_scope("outer"):
        opt = tf.train.AdamOptimizer(0.1)
        train = opt.minimize(loss + b)
    assert train.name == "outer/Adam"
    assert opt.get_slot_names() == ["m", "v"]
    m, v = opt.get_slot(w, "m"), opt.get_slot(w, "v")
    assert (m.op.name, v.op.name) == ("w/Adam", "w/Adam_1")  # outside the name scope
    assert opt.get_slot(b, "m").op.name == "b/Adam"
    assert opt.get_slot(w, "nope") is None
    assert m.initializer.inputs[1].op.name == "w/Adam/Initializer/zeros"
    assert not m.trainable and m in tf.global_variables() and m not in tf.trainable_variables()
    assert m.op.get_attr("_class") == ["loc:@w"]
    names = [x.op.name for x in opt.variables()]
    assert names == ["b/Adam", "b/Adam_1", "outer/beta1_power", "outer/beta2_power",
                     "w/Adam", "w/Adam_1"]
    # The beta powers sit with the variable whose name sorts first.
    assert tf.get_default_graph().get_operation_by_name("outer/beta1_power") \
        .get_attr("_class") == ["loc:@b"]
    apply = tf.get_default_graph().get_operation_by_name("outer/Adam/update_w/ApplyAdam")
    assert apply.get_attr("_class") == ["loc:@w"]
    # A second optimizer makes its own, uniquely named slots.
    opt2 = tf.train.AdamOptimizer(0.2)
    opt2.minimize(loss)
    assert opt2.get_slot(w, "m").op.name == "w/Adam_2"


def test_slot_initial_values():
    w = tf.Variable(np.ones((2, 3), np.float32), name="w")
    loss = tf.reduce_sum(w * w)
    rms = tf.train.RMSPropOptimizer(0.1, centered=True)
    ada = tf.train.AdagradOptimizer(0.1, initial_accumulator_value=0.25)
    ftrl = tf.train.FtrlOptimizer(0.1, initial_accumulator_value=0.5)
    for o in (rms, ada, ftrl):
        o.minimize(loss)
    assert rms.get_slot_names() == ["mg", "momentum", "rms"]
    assert [rms.get_slot(w, n).op.name for n in ("rms", "mg", "momentum")] == \
        ["w/RMSProp", "w/RMSProp_1", "w/RMSProp_2"]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(s.run(rms.get_slot(w, "rms")), np.ones((2, 3)))
        np.testing.assert_array_equal(s.run(rms.get_slot(w, "mg")), np.zeros((2, 3)))
        np.testing.assert_array_equal(s.run(ada.get_slot(w, "accumulator")),
                                      np.full((2, 3), 0.25))
        np.testing.assert_array_equal(s.run(ftrl.get_slot(w, "accum")), np.full((2, 3), 0.5))
        np.testing.assert_array_equal(s.run(ftrl.get_slot(w, "linear")), np.zeros((2, 3)))


@pytest.mark.parametrize("make", [
    lambda: tf.train.GradientDescentOptimizer(0.5),
    lambda: tf.train.MomentumOptimizer(0.5, 0.9),
    lambda: tf.train.AdagradOptimizer(0.5),
    lambda: tf.train.AdamOptimizer(0.5),
    lambda: tf.train.RMSPropOptimizer(0.5),
    lambda: tf.train.FtrlOptimizer(0.5),
    lambda: tf.train.AdadeltaOptimizer(0.5)])
def test_sparse_updates_touch_only_gathered_rows_without_densifying(make, monkeypatch):
    from flowgraph.ops import gather_ops
    monkeypatch.setattr(gather_ops, "SPARSE_GATHER_GRAD", True, raising=False)
    emb = tf.Variable(np.ones((5, 2), np.float32), name="emb")
    loss = tf.reduce_sum(tf.gather(emb, [3, 1, 3]) * [[1.0, 2.0]])
    opt = make()
    grad = opt.compute_gradients(loss)[0][0]
    assert isinstance(grad, tf.IndexedSlices)
    train = opt.minimize(loss)
    scope = f"{opt.get_name()}/update_emb/"
    types = {o.type for o in tf.get_default_graph().get_operations()
             if o.name.startswith(scope)}
    assert not types & {"UnsortedSegmentSum"} or "Unique" in types  # dedup, not densify
    for o in tf.get_default_graph().get_operations():
        if o.name.startswith(scope) and o.type not in ("Assign", "AssignSub", "ScatterAdd"):
            for t in o.outputs:  # nothing as big as the variable, except Adam's dense decay
                if o.type.startswith("Sparse") or o.type.startswith("Scatter") or \
                        isinstance(opt, tf.train.AdamOptimizer):
                    continue
                assert t.shape.as_list() != [5, 2], o.name
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(train)
        out = s.run(emb)
    untouched = [0, 2, 4]
    np.testing.assert_array_equal(out[untouched], np.ones((3, 2)))
    assert (out[[1, 3]] < 1).all()


def test_gradient_descent_sparse_uses_scatter_sub(monkeypatch):
    from flowgraph.ops import gather_ops
    monkeypatch.setattr(gather_ops, "SPARSE_GATHER_GRAD", True, raising=False)
    emb = tf.Variable(np.zeros((4, 2), np.float32), name="emb")
    loss = tf.reduce_sum(tf.gather(emb, [2, 2, 0]))
    train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    op = tf.get_default_graph().get_operation_by_name("GradientDescent/update_emb/ScatterSub")
    assert op.type == "ScatterSub"
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(train)
        np.testing.assert_allclose(s.run(emb), [[-0.5, -0.5], [0, 0], [-1, -1], [0, 0]])


def test_learning_rate_tensor_schedule_and_callable():
    w, loss = _quadratic()
    step = tf.train.get_or_create_global_step()
    lr = tf.train.piecewise_constant(step, [0], [0.1, 0.0])
    train = tf.train.GradientDescentOptimizer(lr).minimize(loss, global_step=step)
    train2 = tf.train.GradientDescentOptimizer(lambda: 0.25).minimize(loss)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(train)  # lr 0.1 at step 0
        s.run(train)  # lr 0 from step 1
        np.testing.assert_allclose(s.run(w), [0.8, 1.6], rtol=1e-6)
        s.run(train2)
        np.testing.assert_allclose(s.run(w), [0.4, 0.8], rtol=1e-6)


def test_gating_modes_and_colocation_give_the_same_result():
    results = []
    for gate in (tf.train.Optimizer.GATE_NONE, tf.train.Optimizer.GATE_OP,
                 tf.train.Optimizer.GATE_GRAPH):
        tf.reset_default_graph()
        w, loss = _quadratic()
        b = tf.Variable(3.0)
        train = tf.train.MomentumOptimizer(0.1, 0.9).minimize(
            loss * b, gate_gradients=gate, colocate_gradients_with_ops=True)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            s.run(train)
            results.append(s.run([w, b]))
    for r in results[1:]:
        np.testing.assert_allclose(r[0], results[0][0])
        np.testing.assert_allclose(r[1], results[0][1])


def test_float64_variables_and_constraint():
    w = tf.Variable(np.array([1.0, -2.0]), name="w",
                    constraint=lambda x: tf.clip_by_value(x, -1.0, 1.0))
    loss = tf.reduce_sum(w * np.array([-1.0, 1.0]))
    opt = tf.train.AdamOptimizer(0.5)
    train = opt.minimize(loss)
    assert opt.get_slot(w, "m").dtype.base_dtype == tf.float64
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(train)
        out = s.run(w)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, [1.0, -1.0])


def test_minimize_name_and_apply_gradients_with_own_grads():
    w, loss = _quadratic()
    opt = tf.train.GradientDescentOptimizer(1.0)
    train = opt.apply_gradients([(tf.constant([0.5, 0.5]), w)], name="step")
    assert train.name == "step"
    op = tf.get_default_graph().get_operation_by_name("step/update_w/ApplyGradientDescent")
    assert op.type == "ApplyGradientDescent"
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(train)
        np.testing.assert_allclose(s.run(w), [0.5, 1.5])


def test_sessions_are_independent():
    w, loss = _quadratic()
    train = tf.train.AdamOptimizer(0.1).minimize(loss)
    init = tf.global_variables_initializer()
    s1, s2 = tf.Session(), tf.Session()
    s1.run(init)
    s2.run(init)
    for _ in range(3):
        s1.run(train)
    np.testing.assert_array_equal(s2.run(w), [1.0, 2.0])
    assert not np.allclose(s1.run(w), [1.0, 2.0])
    s1.close()
    s2.close()


def test_updates_share_hyperparameter_subgraphs(monkeypatch):
    from flowgraph.ops import gather_ops
    monkeypatch.setattr(gather_ops, "SPARSE_GATHER_GRAD", True, raising=False)
    vs = [tf.Variable(np.ones((4, 2)), name=f"v{i}") for i in range(3)]
    loss = tf.add_n([tf.reduce_sum(tf.gather(v, [0, 2]) ** 2) for v in vs[:2]]) + \
        tf.reduce_sum(vs[2] ** 2)
    tf.train.AdamOptimizer(0.1).minimize(loss)
    ops = [o for o in tf.get_default_graph().get_operations() if o.name.startswith("Adam/")]
    casts = [o for o in ops if o.type == "Cast"]
    # beta1_power, beta2_power, lr, beta1, beta2, epsilon: one float64 cast each
    assert len(casts) == 6 and all(o.name.count("/") == 1 for o in casts)
    sqrts = [o.name for o in ops if o.type == "Sqrt"]
    assert len(sqrts) == 3  # one shared bias correction + sqrt(v) per sparse variable


def test_custom_optimizer_through_the_hooks():
    class SignSGD(tf.train.Optimizer):
        """var -= lr * sign(grad + velocity); velocity = grad (a slot)."""

        def __init__(self, lr):
            super().__init__(False, "SignSGD")
            self._lr = lr

        def _create_slots(self, var_list):
            for v in var_list:
                self._zeros_slot(v, "velocity", self._name)

        def _prepare(self):
            self._lr_t = tf.convert_to_tensor(self._lr, name="lr")

        def _apply_dense(self, grad, var):
            vel = self.get_slot(var, "velocity")
            step = tf.assign_sub(var, self._lr_t * tf.sign(grad + vel))
            with tf.control_dependencies([step]):
                return tf.assign(vel, grad).op

    w, loss = _quadratic()
    opt = SignSGD(0.5)
    train = opt.minimize(loss)
    assert opt.get_slot(w, "velocity").op.name == "w/SignSGD"
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(train)
        np.testing.assert_allclose(s.run(w), [0.5, 1.5])
        np.testing.assert_allclose(s.run(opt.get_slot(w, "velocity")), [2.0, 4.0])


def test_compute_gradients_for_a_tensor_and_updating_it_fails():
    x = tf.constant([1.0, 2.0])
    y = x * 3.0
    opt = tf.train.GradientDescentOptimizer(0.1)
    gv = opt.compute_gradients(tf.reduce_sum(y * y), var_list=[y])
    with tf.Session() as s:
        np.testing.assert_allclose(s.run(gv[0][0]), [6.0, 12.0])
    with pytest.raises(NotImplementedError, match="Trying to update a Tensor"):
        opt.apply_gradients(gv)


def test_proximal_and_adagrad_da_constructor_errors_and_slots():
    with pytest.raises(ValueError, match="initial_accumulator_value must be positive"):
        tf.train.ProximalAdagradOptimizer(0.1, initial_accumulator_value=0.0)
    with pytest.raises(ValueError, match="initial_gradient_squared_accumulator_value"):
        tf.train.AdagradDAOptimizer(0.1, None, initial_gradient_squared_accumulator_value=-1)
    w, loss = _quadratic()
    step = tf.train.get_or_create_global_step()
    opt = tf.train.AdagradDAOptimizer(0.5, step)
    train = opt.minimize(loss, global_step=step)
    assert opt.get_slot_names() == ["gradient_accumulator", "gradient_squared_accumulator"]
    assert opt.get_slot(w, "gradient_accumulator").op.name == "w/AdagradDA"
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(train)  # T = 1, g = [2, 4]: w = -0.5 * g / sqrt(0.1 + g^2)
        g = np.array([2.0, 4.0])
        np.testing.assert_allclose(s.run(w), -0.5 * g / np.sqrt(0.1 + g * g), rtol=1e-6)
    tf.reset_default_graph()
    w, loss = _quadratic()
    train = tf.train.ProximalGradientDescentOptimizer(
        0.1, l1_regularization_strength=1.0).minimize(loss)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(train)  # prox = [0.8, 1.6], shrunk by 0.1
        np.testing.assert_allclose(s.run(w), [0.7, 1.5], rtol=1e-6)
