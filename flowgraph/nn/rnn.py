"""Running a cell over sequences: `static_rnn` (unrolled in the graph), `dynamic_rnn` (a
`tf.while_loop` over TensorArrays) and their bidirectional forms.

With `sequence_length`, past each sequence's end the output is zero and the state is
copied through unchanged, as in TF (a select per step, so the values and gradients are
TF's; TF's static_rnn also skips computing steps past every sequence's end)."""
from flowgraph.framework import dtypes, nest, tensor_shape
from flowgraph.framework.graph import Tensor
from flowgraph.framework.op_builder import convert_to_tensor
from flowgraph.ops import array_ops, math_ops, variable_scope as vs
from flowgraph.ops.control_flow_ops import while_loop
from flowgraph.ops.core import identity
from flowgraph.ops.tensor_array_ops import TensorArray
from flowgraph.nn.rnn_cell_impl import _as_shape_list

__all__ = ["static_rnn", "dynamic_rnn", "bidirectional_dynamic_rnn", "raw_rnn",
           "static_bidirectional_rnn"]


def _dim(shape, i):
    d = shape[i] if shape.ndims is not None and shape.ndims > i else None
    return getattr(d, "value", d)


def _check_cell(cell, name="cell"):
    if not (hasattr(cell, "output_size") and hasattr(cell, "state_size") and
            hasattr(cell, "zero_state") and callable(cell)):
        raise TypeError(f"{name} must be an instance of RNNCell, saw: {type(cell).__name__}")


def _transpose_batch_time(x):
    """Swaps the first two dimensions of `x` (rank >= 2)."""
    s = x.shape
    if s.ndims is not None and s.ndims < 2:
        raise ValueError(f"Expected input tensor {x} to have rank at least 2")
    if s.ndims is None:
        from flowgraph.ops import array_ops as a
        r = a.rank(x)
        perm = a.concat([[1, 0], math_ops.range(2, r)], 0)
        return a.transpose(x, perm)
    perm = [1, 0] + list(range(2, s.ndims))
    out = array_ops.transpose(x, perm)
    out.set_shape([_dim(s, 1), _dim(s, 0)] + s.as_list()[2:])
    return out


def _sequence_length(sequence_length):
    if sequence_length is None:
        return None
    sequence_length = math_ops.cast(sequence_length, dtypes.int32)
    if sequence_length.shape.ndims not in (None, 1):
        raise ValueError(f"sequence_length must be a vector of length batch_size, but saw "
                         f"shape: {sequence_length.shape}")
    return identity(sequence_length, name="sequence_length")


def _zero_output(output_size, batch_size, dtype):
    from flowgraph.nn.rnn_cell_impl import _zero_state_tensors
    return _zero_state_tensors(output_size, batch_size, dtype)


def _select_step(time, sequence_length, zero_output, state, new_output, new_state):
    """Past a sequence's end (time >= its length): zero output, state copied through."""
    copy = math_ops.greater_equal(time, sequence_length)

    def one(old, new):
        if new.shape.ndims == 0:
            return new
        out = math_ops.where(copy, old, new)
        out.set_shape(new.shape)
        return out
    new_output = nest.map_structure(one, zero_output, new_output)
    new_state = nest.map_structure(one, state, new_state)
    return new_output, new_state


def _state_dtype(state):
    return nest.flatten(state)[0].dtype.base_dtype


def static_rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None,
               scope=None):
    """Runs `cell` on each of `inputs` (a list of [batch, depth] tensors, or of nested
    structures) in turn, unrolled in the graph: `(outputs, final_state)`."""
    _check_cell(cell)
    if not nest.is_sequence(inputs):
        raise TypeError("inputs must be a sequence")
    if not inputs:
        raise ValueError("inputs must not be empty")
    outputs = []
    with vs.variable_scope(scope or "rnn") as varscope:
        first = nest.flatten(inputs[0])[0]
        first = convert_to_tensor(first)
        fixed_batch = tensor_shape.Dimension(None)
        for x in nest.flatten(inputs[0]):
            s = convert_to_tensor(x).shape.with_rank_at_least(2)
            fixed_batch = fixed_batch.merge_with(s[0])
            for i, d in enumerate(s.as_list()[1:]):
                if d is None:
                    raise ValueError(f"Input size (dimension {i} of inputs) must be "
                                     "accessible via shape inference, but saw value None.")
        batch = fixed_batch.value if fixed_batch.value is not None else \
            array_ops.shape(first)[0]
        if initial_state is not None:
            state = initial_state
        else:
            if not dtype:
                raise ValueError("If no initial_state is provided, dtype must be specified")
            state = cell.zero_state(batch, dtype)
        seq = None
        if sequence_length is not None:
            seq = _sequence_length(sequence_length)
            zero_output = _zero_output(cell.output_size, batch, _state_dtype(state))
        for time, x in enumerate(inputs):
            if time > 0:
                varscope.reuse_variables()
            output, new_state = cell(x, state)
            if seq is not None:
                output, new_state = _select_step(time, seq, zero_output, state, output,
                                                 new_state)
            state = new_state
            outputs.append(output)
        return outputs, state


def static_bidirectional_rnn(cell_fw, cell_bw, inputs, initial_state_fw=None,
                             initial_state_bw=None, dtype=None, sequence_length=None,
                             scope=None):
    """Forward and backward `static_rnn`s (`fw/`, `bw/` scopes); the outputs are their
    concatenation per step: `(outputs, output_state_fw, output_state_bw)`."""
    _check_cell(cell_fw, "cell_fw")
    _check_cell(cell_bw, "cell_bw")
    if not nest.is_sequence(inputs):
        raise TypeError("inputs must be a sequence")
    if not inputs:
        raise ValueError("inputs must not be empty")
    with vs.variable_scope(scope or "bidirectional_rnn"):
        with vs.variable_scope("fw") as fw_scope:
            out_fw, state_fw = static_rnn(cell_fw, inputs, initial_state_fw, dtype,
                                          sequence_length, scope=fw_scope)
        with vs.variable_scope("bw") as bw_scope:
            rev = _reverse_seq(inputs, sequence_length)
            tmp, state_bw = static_rnn(cell_bw, rev, initial_state_bw, dtype,
                                       sequence_length, scope=bw_scope)
    out_bw = _reverse_seq(tmp, sequence_length)
    flat_fw, flat_bw = nest.flatten(out_fw), nest.flatten(out_bw)
    outputs = nest.pack_sequence_as(out_fw, [array_ops.concat([f, b], 1)
                                             for f, b in zip(flat_fw, flat_bw)])
    return outputs, state_fw, state_bw


def _reverse_seq(seq, lengths):
    """A list of per-step tensors reversed in time (per sequence when `lengths`)."""
    if lengths is None:
        return list(reversed(seq))
    flat_steps = [nest.flatten(x) for x in seq]
    out_flat = []
    for parts in zip(*flat_steps):
        stacked = array_ops.stack(list(parts))  # [time, batch, ...]
        rev = array_ops.reverse_sequence(stacked, math_ops.cast(lengths, dtypes.int64),
                                         seq_axis=0, batch_axis=1)
        out_flat.append(array_ops.unstack(rev, num=len(parts)))
    return [nest.pack_sequence_as(seq[t], [o[t] for o in out_flat])
            for t in range(len(seq))]


def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None, dtype=None,
                parallel_iterations=None, swap_memory=False, time_major=False, scope=None):
    """Runs `cell` over the time dimension of `inputs` in a `tf.while_loop`.

    `inputs`: [batch, time, ...] (or [time, batch, ...] with `time_major`), or a nested
    structure of such. Returns `(outputs, final_state)`, outputs shaped like the inputs'
    first two dimensions plus `cell.output_size`. Past each `sequence_length` entry the
    outputs are zeros and the state stops changing."""
    _check_cell(cell)
    with vs.variable_scope(scope or "rnn") as varscope:
        del varscope
        flat_input = [convert_to_tensor(x) for x in nest.flatten(inputs)]
        if not time_major:
            flat_input = [_transpose_batch_time(x) for x in flat_input]
        parallel_iterations = parallel_iterations or 32
        seq = _sequence_length(sequence_length)
        batch = _best_effort_batch_size(flat_input)
        if initial_state is not None:
            state = initial_state
        else:
            if not dtype:
                raise ValueError("If there is no initial_state, you must give a dtype.")
            state = cell.zero_state(batch, dtype)
        inputs_tm = nest.pack_sequence_as(inputs, flat_input)
        outputs, final_state = _dynamic_rnn_loop(cell, inputs_tm, state, parallel_iterations,
                                                 swap_memory, seq, dtype)
        if not time_major:
            outputs = nest.map_structure(_transpose_batch_time, outputs)
        return outputs, final_state


def _best_effort_batch_size(flat_input):
    for x in flat_input:
        if x.shape.ndims is not None and x.shape.ndims < 2:
            raise ValueError(f"Expected input tensor {x} to have rank at least 2")
        d = _dim(x.shape, 1)
        if d is not None:
            return d
    return array_ops.shape(flat_input[0])[1]


def _dynamic_rnn_loop(cell, inputs, initial_state, parallel_iterations, swap_memory,
                      sequence_length, dtype):
    state = initial_state
    flat_input = nest.flatten(inputs)
    out_sizes = cell.output_size
    flat_out_sizes = nest.flatten(out_sizes)
    shapes = [x.shape.with_rank_at_least(3) for x in flat_input]
    const_time, const_batch = _dim(shapes[0], 0), _dim(shapes[0], 1)
    for s in shapes:
        if None in s.as_list()[2:]:
            raise ValueError("Input size (depth of inputs) must be accessible via shape "
                             "inference, but saw value None.")
        t, b = _dim(s, 0), _dim(s, 1)
        if const_time is not None and t is not None and t != const_time:
            raise ValueError("Time steps is not the same for all the elements in the "
                             "input in a batch.")
        if const_batch is not None and b is not None and b != const_batch:
            raise ValueError("Batch_size is not the same for all the elements in the "
                             "input.")
        const_time = const_time if const_time is not None else t
        const_batch = const_batch if const_batch is not None else b
    shape0 = array_ops.shape(flat_input[0])
    time_steps = shape0[0] if const_time is None else \
        convert_to_tensor(const_time, dtype=dtypes.int32)
    batch = shape0[1] if const_batch is None else const_batch
    state_dtype = _state_dtype(state)
    zero_output = None
    if sequence_length is not None:
        zero_output = nest.pack_sequence_as(
            out_sizes, nest.flatten(_zero_output(out_sizes, batch, state_dtype)))
        max_len = math_ops.reduce_max(sequence_length)
        loop_bound = math_ops.minimum(time_steps, math_ops.maximum(1, max_len))
    else:
        loop_bound = time_steps
    base = "rnn/"
    out_dtype = state_dtype if dtype is None else dtypes.as_dtype(dtype)
    output_tas = [TensorArray(out_dtype, size=time_steps,
                              element_shape=[const_batch] + _as_shape_list(s),
                              tensor_array_name=base + f"output_{i}")
                  for i, s in enumerate(flat_out_sizes)]
    input_tas = [TensorArray(x.dtype, size=time_steps, element_shape=x.shape[1:],
                             tensor_array_name=base + f"input_{i}").unstack(x)
                 for i, x in enumerate(flat_input)]

    def body(time, output_tas, state):
        xs = [ta.read(time) for ta in input_tas]
        for x, s in zip(xs, shapes):
            x.set_shape(s[1:])
        x = nest.pack_sequence_as(inputs, xs)
        output, new_state = cell(x, state)
        nest.assert_same_structure(state, new_state)
        if sequence_length is not None:
            output, new_state = _select_step(time, sequence_length, zero_output, state,
                                             output, new_state)
        flat_out = nest.flatten(output)
        output_tas = [ta.write(time, o) for ta, o in zip(output_tas, flat_out)]
        return time + 1, output_tas, new_state

    time = convert_to_tensor(0, dtype=dtypes.int32, name="time")
    _, final_tas, final_state = while_loop(
        lambda time, *_: math_ops.less(time, loop_bound), body,
        (time, output_tas, state), parallel_iterations=parallel_iterations,
        maximum_iterations=time_steps, swap_memory=swap_memory)
    outputs = []
    for ta, s in zip(final_tas, flat_out_sizes):
        o = ta.stack()
        o.set_shape([const_time, const_batch] + _as_shape_list(s))
        outputs.append(o)
    outputs = nest.pack_sequence_as(out_sizes, outputs)
    return outputs, final_state


def bidirectional_dynamic_rnn(cell_fw, cell_bw, inputs, sequence_length=None,
                              initial_state_fw=None, initial_state_bw=None, dtype=None,
                              parallel_iterations=None, swap_memory=False, time_major=False,
                              scope=None):
    """A forward `dynamic_rnn` (scope `fw/`) and one over the time-reversed inputs (scope
    `bw/`, reversed per sequence with `sequence_length`), its outputs reversed back:
    `((output_fw, output_bw), (output_state_fw, output_state_bw))`."""
    _check_cell(cell_fw, "cell_fw")
    _check_cell(cell_bw, "cell_bw")
    with vs.variable_scope(scope or "bidirectional_rnn"):
        with vs.variable_scope("fw") as fw_scope:
            out_fw, state_fw = dynamic_rnn(
                cell_fw, inputs, sequence_length=sequence_length,
                initial_state=initial_state_fw, dtype=dtype,
                parallel_iterations=parallel_iterations, swap_memory=swap_memory,
                time_major=time_major, scope=fw_scope)
        time_axis, batch_axis = (0, 1) if time_major else (1, 0)

        def reverse(x):
            if sequence_length is not None:
                return array_ops.reverse_sequence(
                    x, sequence_length, seq_axis=time_axis, batch_axis=batch_axis)
            return array_ops.reverse(x, axis=[time_axis])

        with vs.variable_scope("bw") as bw_scope:
            rev = nest.map_structure(lambda x: reverse(convert_to_tensor(x)), inputs)
            tmp, state_bw = dynamic_rnn(
                cell_bw, rev, sequence_length=sequence_length,
                initial_state=initial_state_bw, dtype=dtype,
                parallel_iterations=parallel_iterations, swap_memory=swap_memory,
                time_major=time_major, scope=bw_scope)
    out_bw = nest.map_structure(reverse, tmp)
    return (out_fw, out_bw), (state_fw, state_bw)



def raw_rnn(cell, loop_fn, parallel_iterations=None, swap_memory=False, scope=None):
    """Runs `cell` in a `tf.while_loop` whose inputs, state and emitted outputs `loop_fn`
    decides step by step.

    `loop_fn(time, cell_output, cell_state, loop_state)` returns `(finished, next_input,
    next_cell_state, emit_output, next_loop_state)`; it is first called at time 0 with
    `cell_output=None` (and `cell_state=None`) to give the first input and the initial
    state, and its `emit_output` then is the structure of what is emitted (per example;
    `cell.output_size` when None). Finished entries emit zeros and keep their state.
    Returns `(emit_ta, final_state, final_loop_state)`: TensorArrays of the emitted
    outputs, the final cell state and loop state (None if loop_fn gave none at time 0)."""
    _check_cell(cell)
    if not callable(loop_fn):
        raise TypeError("loop_fn must be a callable")
    parallel_iterations = parallel_iterations or 32
    with vs.variable_scope(scope or "rnn"):
        time = convert_to_tensor(0, dtype=dtypes.int32)
        finished, next_input, state, emit_structure, init_loop_state = loop_fn(
            time=time, cell_output=None, cell_state=None, loop_state=None)
        flat_input = [convert_to_tensor(x) for x in nest.flatten(next_input)]
        next_input = nest.pack_sequence_as(next_input, flat_input)
        loop_state = init_loop_state if init_loop_state is not None else \
            convert_to_tensor(0, dtype=dtypes.int32)
        const_batch = None
        for x in flat_input:
            d = _dim(x.shape.with_rank_at_least(1), 0)
            if const_batch is not None and d is not None and d != const_batch:
                raise ValueError(f"Dimensions {const_batch} and {d} are not compatible")
            const_batch = d if const_batch is None else const_batch
        batch = const_batch if const_batch is not None else \
            array_ops.shape(flat_input[0])[0]
        nest.assert_same_structure(state, cell.state_size)
        flat_state = [convert_to_tensor(s) for s in nest.flatten(state)]
        state = nest.pack_sequence_as(state, flat_state)
        if emit_structure is not None:
            flat_emit = [convert_to_tensor(e) for e in nest.flatten(emit_structure)]
            emit_sizes = [e.shape if e.shape.is_fully_defined() else array_ops.shape(e)
                          for e in flat_emit]
            emit_dtypes = [e.dtype.base_dtype for e in flat_emit]
        else:
            emit_structure = cell.output_size
            emit_sizes = nest.flatten(emit_structure)
            emit_dtypes = [flat_state[0].dtype.base_dtype] * len(emit_sizes)
        emit_ta = nest.pack_sequence_as(emit_structure, [
            TensorArray(dt, size=0, dynamic_size=True,
                        element_shape=[const_batch] + _emit_shape_list(s),
                        name=f"rnn_output_{i}")
            for i, (dt, s) in enumerate(zip(emit_dtypes, emit_sizes))])
        zero_emit = nest.pack_sequence_as(emit_structure, [
            array_ops.zeros(_batch_concat(batch, s), dt)
            for s, dt in zip(emit_sizes, emit_dtypes)])

        def cond(time, elements_finished, *_):
            return math_ops.logical_not(math_ops.reduce_all(elements_finished))

        def body(time, elements_finished, current_input, emit_ta, state, loop_state):
            output, cell_state = cell(current_input, state)
            nest.assert_same_structure(state, cell_state)
            nest.assert_same_structure(cell.output_size, output)
            next_time = time + 1
            next_finished, next_input, next_state, emit, next_loop_state = loop_fn(
                next_time, output, cell_state, loop_state)
            nest.assert_same_structure(state, next_state)
            nest.assert_same_structure(current_input, next_input)
            nest.assert_same_structure(emit_ta, emit)
            loop_state = loop_state if next_loop_state is None else next_loop_state

            def keep_finished(old, new):  # finished rows keep `old`
                new = convert_to_tensor(new)
                if new.shape.ndims == 0:
                    return new
                out = math_ops.where(elements_finished, old, new)
                out.set_shape(new.shape)
                return out
            emit = nest.map_structure(keep_finished, zero_emit, emit)
            next_state = nest.map_structure(keep_finished, state, next_state)
            emit_ta = nest.pack_sequence_as(emit_structure, [
                ta.write(time, e) for ta, e in zip(_tensor_arrays(emit_ta),
                                                   nest.flatten(emit))])
            elements_finished = math_ops.logical_or(elements_finished, next_finished)
            return next_time, elements_finished, next_input, emit_ta, next_state, loop_state

        out = while_loop(cond, body, [time, finished, next_input, emit_ta, state, loop_state],
                         parallel_iterations=parallel_iterations, swap_memory=swap_memory)
        emit_ta, final_state, final_loop_state = out[-3:]
        return emit_ta, final_state, (None if init_loop_state is None else final_loop_state)


def _tensor_arrays(structure):
    """The TensorArrays of a nested structure, depth first (nest.flatten gives flows)."""
    if isinstance(structure, dict):
        return [ta for k in sorted(structure) for ta in _tensor_arrays(structure[k])]
    if isinstance(structure, (list, tuple)):
        return [ta for x in structure for ta in _tensor_arrays(x)]
    return [structure]


def _emit_shape_list(size):
    """The per-example emit shape as a list (unknown dims where `size` is a tensor)."""
    if isinstance(size, Tensor):
        from flowgraph.framework.op_builder import constant_value
        c = constant_value(size)
        n = _dim(size.shape, 0)
        return [int(d) for d in c] if c is not None else \
            (None if n is None else [None] * n)
    return _as_shape_list(size)


def _batch_concat(batch, size):
    """The shape [batch] + size, static where both are."""
    if isinstance(size, Tensor) or isinstance(batch, Tensor):
        return array_ops.concat([array_ops.reshape(batch, [1]),
                                 math_ops.cast(size if isinstance(size, Tensor) else
                                               _as_shape_list(size), dtypes.int32)], 0)
    return [batch] + _as_shape_list(size)
