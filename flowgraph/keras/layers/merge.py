"""Keras's merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate, Dot) and their functional forms (`add([a, b])`, ...)."""
from flowgraph.framework import tensor_shape
from flowgraph.keras import backend as K
from flowgraph.keras.engine.base_layer import Layer
from flowgraph.ops import array_ops, join_ops, math_ops, reduction_ops, unary_ops

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate",
           "Dot", "add", "subtract", "multiply", "average", "maximum", "minimum",
           "concatenate", "dot"]


def _dims(shape):
    if shape is None:
        return None
    shape = tensor_shape.TensorShape(shape)
    return None if shape.ndims is None else shape.as_list()


class _Merge(Layer):
    """An elementwise merge of a list of tensors (broadcast as Keras does)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _merge_function(self, inputs):
        raise NotImplementedError

    def _elemwise_shape(self, shape1, shape2):
        """The broadcast of two non-batch shapes (None: unknown)."""
        if None in (shape1, shape2):
            return None
        if len(shape1) < len(shape2):
            return self._elemwise_shape(shape2, shape1)
        if not shape2:
            return shape1
        out = list(shape1[:-len(shape2)])
        for i, j in zip(shape1[-len(shape2):], shape2):
            if i is None or j is None:
                out.append(None)
            elif i == 1:
                out.append(j)
            elif j == 1:
                out.append(i)
            else:
                if i != j:
                    raise ValueError("Inputs have incompatible shapes. Received shapes "
                                     f"{tuple(shape1)} and {tuple(shape2)}")
                out.append(i)
        return out

    def _check_list(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or (
                input_shape and not isinstance(input_shape[0], (list, tuple,
                                                                tensor_shape.TensorShape))):
            raise ValueError("A merge layer should be called on a list of inputs. "
                             f"Received: input_shape={input_shape} (not a list of shapes)")
        if len(input_shape) < 1:
            raise ValueError("A merge layer should be called on a list of at least 1 "
                             f"input. Got {len(input_shape)} inputs. Full input_shape "
                             f"received: {input_shape}")

    def build(self, input_shape):
        self._check_list(input_shape)
        shapes = [_dims(s) for s in input_shape]
        batch_sizes = {s[0] for s in shapes if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError("Cannot merge tensors with different batch sizes. Got tensors "
                             f"with shapes {[tuple(s) for s in shapes]}")
        out = shapes[0][1:] if shapes[0] is not None else None
        for s in shapes[1:]:
            out = self._elemwise_shape(out, s[1:] if s is not None else None)
        self._reshape_required = not (None not in shapes and
                                      len({len(s) for s in shapes}) == 1)
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError("A merge layer should be called on a list of inputs. "
                             f"Received: inputs={inputs} (not a list of tensors)")
        inputs = list(inputs)
        ranks = [t.shape.ndims for t in inputs]
        if None not in ranks and len(set(ranks)) > 1:
            top = max(ranks)
            expanded = []
            for t, r in zip(inputs, ranks):
                for _ in range(top - r):
                    t = array_ops.expand_dims(t, axis=1)
                expanded.append(t)
            inputs = expanded
        return self._merge_function(inputs)

    def compute_output_shape(self, input_shape):
        shapes = [_dims(s) for s in input_shape]
        out = shapes[0][1:] if shapes[0] is not None else None
        for s in shapes[1:]:
            out = self._elemwise_shape(out, s[1:] if s is not None else None)
        batches = {s[0] for s in shapes if s} - {None}
        batch = batches.pop() if len(batches) == 1 else None
        return tensor_shape.TensorShape(None if out is None else [batch] + out)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)) or len(mask) != len(inputs):
            raise ValueError("`mask` should be a list of the same length as `inputs`.")
        masks = [m for m in mask if m is not None]
        if not masks:
            return None
        out = masks[0]
        for m in masks[1:]:
            out = math_ops.logical_and(out, m)
        return out


class Add(_Merge):
    """The elementwise sum of the inputs."""

    def _merge_function(self, inputs):
        out = inputs[0]
        for t in inputs[1:]:
            out = math_ops.add(out, t)
        return out


class Subtract(_Merge):
    """`inputs[0] - inputs[1]` (exactly two inputs)."""

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: input_shape={input_shape}")

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: inputs={inputs}")
        return math_ops.subtract(inputs[0], inputs[1])


class Multiply(_Merge):
    """The elementwise product of the inputs."""

    def _merge_function(self, inputs):
        out = inputs[0]
        for t in inputs[1:]:
            out = math_ops.multiply(out, t)
        return out


class Average(_Merge):
    """The elementwise mean of the inputs."""

    def _merge_function(self, inputs):
        out = inputs[0]
        for t in inputs[1:]:
            out = math_ops.add(out, t)
        return math_ops.truediv(out, len(inputs))


class Maximum(_Merge):
    """The elementwise maximum of the inputs."""

    def _merge_function(self, inputs):
        out = inputs[0]
        for t in inputs[1:]:
            out = math_ops.maximum(out, t)
        return out


class Minimum(_Merge):
    """The elementwise minimum of the inputs."""

    def _merge_function(self, inputs):
        out = inputs[0]
        for t in inputs[1:]:
            out = math_ops.minimum(out, t)
        return out


class Concatenate(_Merge):
    """Joins the inputs along `axis` (all other dimensions must match)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self._reshape_required = False

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) < 1 or \
                not isinstance(input_shape[0], (list, tuple, tensor_shape.TensorShape)):
            raise ValueError("A `Concatenate` layer should be called on a list of at least "
                             f"1 input. Received: input_shape={input_shape}")
        shapes = [_dims(s) for s in input_shape]
        if all(s is None for s in shapes):
            self.built = True
            return
        known = [list(s) for s in shapes if s is not None]
        ranks = {len(s) for s in known}
        err = ("A `Concatenate` layer requires inputs with matching shapes except for the "
               f"concatenation axis. Received: input_shape={[tuple(s) for s in known]}")
        if len(ranks) != 1:
            raise ValueError(err)
        rank = ranks.pop()
        axis = self.axis % rank
        for i in range(rank):
            if i == axis:
                continue
            values = {s[i] for s in known} - {None}
            if len(values) > 1:
                raise ValueError(err)
        self.built = True

    def _merge_function(self, inputs):
        return K.concatenate(inputs, axis=self.axis)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError("A merge layer should be called on a list of inputs. "
                             f"Received: inputs={inputs} (not a list of tensors)")
        return self._merge_function(list(inputs))

    def compute_output_shape(self, input_shape):
        shapes = [_dims(s) for s in input_shape]
        out = list(shapes[0])
        axis = self.axis % len(out)
        for s in shapes[1:]:
            if out[axis] is None or s[axis] is None:
                out[axis] = None
            else:
                out[axis] += s[axis]
            for i in range(len(out)):
                if i != axis and out[i] is None:
                    out[i] = s[i]
        return tensor_shape.TensorShape(out)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)) or len(mask) != len(inputs):
            raise ValueError("`mask` should be a list of the same length as `inputs`.")
        if all(m is None for m in mask):
            return None
        full = []
        for t, m in zip(inputs, mask):
            if m is None:
                full.append(unary_ops.cast(array_ops.ones_like(t), "bool"))
            elif m.shape.ndims < t.shape.ndims:
                full.append(array_ops.expand_dims(m, axis=-1))
            else:
                full.append(m)
        joined = K.concatenate(full, axis=self.axis)
        return reduction_ops.reduce_all(joined, axis=-1, keepdims=False)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class Dot(_Merge):
    """The dot product of two samples-wise tensors over `axes` (cosine similarity with
    `normalize=True`)."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError("Invalid type for argument `axes`: it should be a list or "
                                f"an int. Received: axes={axes}")
            if len(axes) != 2:
                raise ValueError("Invalid format for argument `axes`: it should contain "
                                 f"two elements. Received: axes={axes}")
        self.axes, self.normalize = axes, normalize
        self.supports_masking = True
        self._reshape_required = False

    def _axes_for(self, shapes):
        if isinstance(self.axes, int):
            if self.axes < 0:
                return [self.axes % len(shapes[0]), self.axes % len(shapes[1])]
            return [self.axes] * 2
        return list(self.axes)

    def build(self, input_shape):
        if not isinstance(input_shape[0], (list, tuple, tensor_shape.TensorShape)) or \
                len(input_shape) != 2:
            raise ValueError("A `Dot` layer should be called on a list of 2 inputs. "
                             f"Received: input_shape={input_shape}")
        s1, s2 = _dims(input_shape[0]), _dims(input_shape[1])
        if s1 is None or s2 is None:
            self.built = True
            return
        a = self._axes_for([s1, s2])
        if s1[a[0]] is not None and s2[a[1]] is not None and s1[a[0]] != s2[a[1]]:
            raise ValueError("Incompatible input shapes: axis values "
                             f"{s1[a[0]]} (at axis {a[0]}) != {s2[a[1]]} (at axis {a[1]}). "
                             f"Full input shapes: {tuple(s1)}, {tuple(s2)}")
        self.built = True

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError("A `Dot` layer should be called on exactly 2 inputs. "
                             f"Received: inputs={inputs}")
        x1, x2 = inputs
        if isinstance(self.axes, int):
            if self.axes < 0:
                axes = [self.axes % x1.shape.ndims, self.axes % x2.shape.ndims]
            else:
                axes = [self.axes] * 2
        else:
            axes = [a % t.shape.ndims if a < 0 else a for a, t in zip(self.axes, inputs)]
        if self.normalize:
            x1 = K.l2_normalize(x1, axis=axes[0])
            x2 = K.l2_normalize(x2, axis=axes[1])
        return K.batch_dot(x1, x2, axes)

    def call(self, inputs):
        return self._merge_function(list(inputs))

    def compute_output_shape(self, input_shape):
        s1, s2 = list(_dims(input_shape[0])), list(_dims(input_shape[1]))
        a = self._axes_for([s1, s2])
        s1.pop(a[0])
        s2.pop(a[1])
        s2.pop(0)
        out = s1 + s2
        if len(out) == 1:
            out += [1]
        return tensor_shape.TensorShape(out)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def _functional(cls, doc):
    def fn(inputs, **kwargs):
        return cls(**kwargs)(inputs)
    fn.__doc__ = doc
    fn.__name__ = cls.__name__.lower()
    return fn


add = _functional(Add, "`Add()(inputs)`.")
subtract = _functional(Subtract, "`Subtract()(inputs)`.")
multiply = _functional(Multiply, "`Multiply()(inputs)`.")
average = _functional(Average, "`Average()(inputs)`.")
maximum = _functional(Maximum, "`Maximum()(inputs)`.")
minimum = _functional(Minimum, "`Minimum()(inputs)`.")


def concatenate(inputs, axis=-1, **kwargs):
    """`Concatenate(axis)(inputs)`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """`Dot(axes, normalize)(inputs)`."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
