"""Static output shapes of GraphDef nodes for common inference ops, without
TensorFlow, so `inspect` can say what shape a frozen graph's outputs have.

Deliberately conservative: an op not listed, a data format other than NHWC,
or an input whose shape is unknown gives None (unknown), never a guess.
Small integer Const tensors (a Reshape's shape, reduction axes) are decoded;
nothing else is. Shapes are lists with -1 for an unknown dimension.

    >>> shapes = ShapeInference(graph_index)
    >>> shapes.shape("output")
    [1, 1001]
"""

from __future__ import annotations

import math
import struct

_SAME_SHAPE = frozenset({
    "Identity", "Snapshot", "StopGradient", "PreventGradient", "CheckNumerics", "Relu", "Relu6", "Elu",
    "Selu", "LeakyRelu", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Softplus", "Softsign", "BiasAdd",
    "Cast", "Neg", "Abs", "Sqrt", "Rsqrt", "Exp", "Log", "Square", "Floor", "Ceil", "Round", "Sign",
    "Reciprocal", "Erf", "ClipByValue", "FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3",
    "LRN", "Cumsum", "Cumprod", "FakeQuantWithMinMaxVars", "FakeQuantWithMinMaxArgs", "L2Normalize",
    "LogicalNot", "IsNan", "Dequantize", "QuantizeV2", "Mish", "Gelu",
})
_BROADCAST = frozenset({
    "Add", "AddV2", "Sub", "Mul", "RealDiv", "Div", "DivNoNan", "FloorDiv", "FloorMod", "Maximum",
    "Minimum", "Pow", "SquaredDifference", "Greater", "GreaterEqual", "Less", "LessEqual", "Equal",
    "NotEqual", "LogicalAnd", "LogicalOr", "SelectV2",
})
_REDUCE = frozenset({"Mean", "Sum", "Max", "Min", "Prod", "All", "Any", "EuclideanNorm"})
_POOL = frozenset({"MaxPool", "AvgPool"})
_CONV = frozenset({"Conv2D", "DepthwiseConv2dNative"})
_ITERATOR_OPS = frozenset({"IteratorGetNext", "IteratorGetNextSync"})
# Integer Const dtypes we decode (DT_INT32, DT_INT64) and their struct codes.
_INT_FORMATS = {3: "i", 9: "q"}


class ShapeInference:
    """Memoised output-0 shapes of the nodes of a `graph.analysis.GraphIndex`."""

    def __init__(self, graph_index):
        self._g = graph_index
        self._shapes: dict[str, list[int] | None] = {}

    def shape(self, name: str) -> list[int] | None:
        """The static shape of output 0 of node `name`, or None when unknown."""
        # Iterative post-order: deep graphs (long chains) would overflow recursion.
        # A node met again while its inputs are pending sits on a loop
        # (NextIteration -> Merge): it stays unknown to whoever reads it first.
        visiting = set()
        stack = [name]
        while stack:
            current = stack[-1]
            if current in self._shapes:
                stack.pop()
            elif current in visiting:
                self._shapes[current] = self._infer(current)
                stack.pop()
            else:
                visiting.add(current)
                stack.extend(s for s in self._data_sources(current)
                             if s not in self._shapes and s not in visiting)
        return self._shapes[name]

    def _data_sources(self, name: str) -> list[str]:
        position = self._g.by_name.get(name)
        if position is None:
            return []
        return [s for raw, s in zip(self._g.inputs[position], self._g.sources[position])
                if not raw.startswith("^") and s in self._g.by_name]

    def _input(self, data: list[str], index: int) -> list[int] | None:
        """Shape of data input `index` (of the node whose data inputs are `data`)."""
        if index >= len(data):
            return None
        source, _, output = data[index].partition(":")
        if output not in ("", "0"):
            return self._output(source, int(output))
        return self._shapes.get(source)

    def _output(self, name: str, output: int) -> list[int] | None:
        """Shape of output `output` (> 0) of node `name`: an IdentityN passes
        its inputs through; a tf.data iterator's come from its attr."""
        position = self._g.by_name.get(name)
        if position is not None and self._g.ops[position] == "IdentityN":
            return self._input([i for i in self._g.inputs[position] if not i.startswith("^")], output)
        return self._pipeline_output(name, output)

    def _pipeline_output(self, name: str, output: int) -> list[int] | None:
        """Shape of output `output` of a tf.data IteratorGetNext (from its attr)."""
        node = self._g.node(name)
        if node is None or node.op not in _ITERATOR_OPS:
            return None
        shapes = node.attr["output_shapes"].list.shape
        return _from_proto(shapes[output]) if output < len(shapes) else None

    def _const_ints(self, data: list[str], index: int) -> list[int] | None:
        """The values of a small integer Const feeding data input `index`."""
        if index >= len(data):
            return None
        source = self._g.node(data[index].partition(":")[0])
        if source is None or source.op != "Const":
            return None
        tensor = source.attr["value"].tensor
        fmt = _INT_FORMATS.get(tensor.dtype)
        if fmt is None:
            return None
        count = math.prod(d.size for d in tensor.tensor_shape.dim)
        if count > 64:
            return None
        if tensor.tensor_content:
            if len(tensor.tensor_content) != count * struct.calcsize(fmt):
                return None
            values = list(struct.unpack(f"<{count}{fmt}", tensor.tensor_content))
        else:
            values = list(tensor.int_val if tensor.dtype == 3 else tensor.int64_val)
            if len(values) == 1 and count > 1:  # TensorFlow stores a splat once
                values = values * count
            elif not values:  # and zeros not at all
                values = [0] * count
        return values if len(values) == count else None

    def _shape_values(self, data: list[str], index: int, depth: int = 0) -> list[int] | None:
        """The values of a shape tensor feeding data input `index` (-1 where
        unknown): a small Const, or built from one by Shape, a StridedSlice,
        Pack, Cast or Identity (Keras' `reshape(x, [batch, 1, 1, C])`)."""
        values = self._const_ints(data, index)
        if values is not None or index >= len(data) or depth > 8:
            return values
        position = self._g.by_name.get(data[index].partition(":")[0])
        if position is None:
            return None
        op, node = self._g.ops[position], self._g.nodes[position]
        inputs = [i for i in self._g.inputs[position] if not i.startswith("^")]
        if op == "Shape":
            return self._input(inputs, 0)
        if op in ("Cast", "Identity"):
            return self._shape_values(inputs, 0, depth + 1)
        if op == "Pack":
            parts = [self._shape_values(inputs, i, depth + 1) for i in range(len(inputs))]
            return None if any(p is None or len(p) != 1 for p in parts) else [p[0] for p in parts]
        if op == "StridedSlice":
            return _strided_slice(self._shape_values(inputs, 0, depth + 1),
                                  *(self._const_ints(inputs, i) for i in (1, 2, 3)), node)
        return None

    def _infer(self, name: str):
        position = self._g.by_name.get(name)
        if position is None:
            return None
        # Names and inputs come from the index's Python lists; NodeDef fields
        # (slow to reach through protobuf) only for the attrs an op needs.
        op, node = self._g.ops[position], self._g.nodes[position]
        data = [i for i in self._g.inputs[position] if not i.startswith("^")]
        if op in ("Placeholder", "PlaceholderWithDefault"):
            return _from_proto(node.attr["shape"].shape) if "shape" in node.attr else None
        if op == "Const":
            return [d.size for d in node.attr["value"].tensor.tensor_shape.dim]
        if op in _ITERATOR_OPS:
            return self._pipeline_output(name, 0)
        if op == "IdentityN":  # Keras' swish with its custom gradient
            return self._input(data, 0)
        if op in ("Variable", "VariableV2"):
            return _from_proto(node.attr["shape"].shape) if "shape" in node.attr else None
        if op == "ReadVariableOp":  # the value of a resource variable: its VarHandleOp's shape
            handle = self._g.node(data[0].partition(":")[0]) if data else None
            if handle is not None and handle.op == "VarHandleOp" and "shape" in handle.attr:
                return _from_proto(handle.attr["shape"].shape)
            return None
        first = self._input(data, 0)
        if op in _SAME_SHAPE:
            return first
        if op in _BROADCAST:
            return _broadcast([self._input(data, i) for i in range(len(data))])
        if op == "MatMul":
            return _matmul(first, self._input(data, 1), node.attr["transpose_a"].b, node.attr["transpose_b"].b)
        if op in _CONV or op in _POOL:
            return self._window(node, data, op, first)
        if op == "Reshape":
            return _reshape(first, self._shape_values(data, 1))
        if op == "Squeeze":
            return _squeeze(first, list(node.attr["squeeze_dims"].list.i))
        if op == "ExpandDims":
            return _expand_dims(first, self._const_ints(data, 1))
        if op in _REDUCE:
            return _reduce(first, self._const_ints(data, 1), node.attr["keep_dims"].b)
        if op in ("ArgMax", "ArgMin"):
            return _reduce(first, self._const_ints(data, 1), False)
        if op == "Transpose":
            perm = self._const_ints(data, 1)
            return [first[p] for p in perm] if first is not None and perm and len(perm) == len(first) else None
        if op == "Shape":
            return [len(first)] if first is not None else None
        if op == "ConcatV2":
            return self._concat(data)
        if op in ("Pad", "PadV2", "MirrorPad"):
            return _pad(first, self._const_ints(data, 1))
        if op == "StridedSlice":  # Keras' Cropping2D: x[:, 1:, 1:, :]
            return _sliced_shape(first, *(self._const_ints(data, i) for i in (1, 2, 3)), node)
        return None

    def _window(self, node, data, op, first):
        if first is None or len(first) != 4 or node.attr["data_format"].s not in (b"", b"NHWC"):
            return None
        strides = list(node.attr["strides"].list.i) or [1, 1, 1, 1]
        padding = node.attr["padding"].s
        if len(strides) != 4 or min(strides) < 1:
            return None
        if op in _CONV:
            kernel = self._input(data, 1)
            if kernel is None or len(kernel) != 4:
                return None
            dilations = list(node.attr["dilations"].list.i) or [1, 1, 1, 1]
            if len(dilations) != 4:
                return None
            window = [(kernel[0] - 1) * dilations[1] + 1, (kernel[1] - 1) * dilations[2] + 1]
            channels = kernel[3] if op == "Conv2D" else (kernel[2] * kernel[3] if kernel[2] >= 0 else -1)
        else:
            ksize = list(node.attr["ksize"].list.i)
            if len(ksize) != 4:
                return None
            window, channels = ksize[1:3], first[3]
        spatial = [_window_size(first[1 + i], window[i], strides[1 + i], padding) for i in range(2)]
        if None in spatial:
            return None
        return [first[0], *spatial, channels]

    def _concat(self, data):
        axis = self._const_ints(data, len(data) - 1)
        shapes = [self._input(data, i) for i in range(len(data) - 1)]
        if not axis or any(s is None for s in shapes) or len({len(s) for s in shapes}) != 1:
            return None
        rank = len(shapes[0])
        a = axis[0] + rank if axis[0] < 0 else axis[0]
        if not 0 <= a < rank:
            return None
        result = list(shapes[0])
        sizes = [s[a] for s in shapes]
        result[a] = -1 if any(d < 0 for d in sizes) else sum(sizes)
        return result


def _from_proto(shape):
    return None if shape.unknown_rank else [d.size for d in shape.dim]


def _broadcast(shapes):
    if not shapes or any(s is None for s in shapes):
        return None
    rank = max(len(s) for s in shapes)
    result = []
    for i in range(rank):
        dims = {s[i - rank + len(s)] for s in shapes if i - rank + len(s) >= 0} - {1}
        if not dims:
            result.append(1)
        elif len(dims) == 1:
            result.append(dims.pop())
        else:
            known = dims - {-1}
            if len(known) > 1:
                return None  # incompatible: leave it to TensorFlow to complain
            result.append(known.pop() if known else -1)
    return result


def _matmul(a, b, transpose_a, transpose_b):
    if a is None or b is None or len(a) != 2 or len(b) != 2:
        return None
    return [a[1] if transpose_a else a[0], b[0] if transpose_b else b[1]]


def _window_size(size, window, stride, padding):
    if size < 0:
        return -1
    if padding == b"SAME":
        return -(-size // stride)
    if padding == b"VALID":
        return (size - window) // stride + 1
    return None


def _reshape(shape, target):
    if target is None:
        return None
    if target.count(-1) == 1 and shape is not None and all(d >= 0 for d in shape):
        known = math.prod(d for d in target if d != -1)
        total = math.prod(shape)
        if known and total % known == 0:
            return [total // known if d == -1 else d for d in target]
    return list(target)


def _strided_slice(values, begin, end, strides, node):
    """A 1-D StridedSlice of known values with unit stride (no ellipsis or
    new axes), or None."""
    if values is None or not begin or not end or strides != [1] or len(begin) != 1 or len(end) != 1:
        return None
    if node.attr["ellipsis_mask"].i or node.attr["new_axis_mask"].i:
        return None
    start = 0 if node.attr["begin_mask"].i & 1 else begin[0]
    if node.attr["shrink_axis_mask"].i & 1:
        return [values[start]] if -len(values) <= start < len(values) else None
    stop = len(values) if node.attr["end_mask"].i & 1 else end[0]
    return values[start:stop]


def _sliced_shape(shape, begin, end, strides, node):
    """Output shape of a StridedSlice of a tensor of `shape` (constant
    begin/end/strides, no ellipsis or new axes), or None."""
    if shape is None or begin is None or end is None or strides is None:
        return None
    if not len(begin) == len(end) == len(strides) <= len(shape) or 0 in strides:
        return None
    if node.attr["ellipsis_mask"].i or node.attr["new_axis_mask"].i:
        return None
    masks = [node.attr[key].i for key in ("begin_mask", "end_mask", "shrink_axis_mask")]
    result = []
    for i, size in enumerate(shape):
        if i >= len(begin):
            result.append(size)
            continue
        begin_whole, end_whole, shrink = (bool(mask >> i & 1) for mask in masks)
        if shrink:
            if size >= 0 and not -size <= begin[i] < size:
                return None
            continue
        if size < 0:
            result.append(-1)
            continue
        start = None if begin_whole else begin[i]
        stop = None if end_whole else end[i]
        result.append(len(range(size)[start:stop:strides[i]]))
    return result


def _squeeze(shape, dims):
    if shape is None:
        return None
    rank = len(shape)
    chosen = {d + rank if d < 0 else d for d in dims}
    if not chosen:
        if any(d < 0 for d in shape):
            return None
        return [d for d in shape if d != 1]
    return [d for i, d in enumerate(shape) if i not in chosen]


def _expand_dims(shape, axis):
    if shape is None or not axis or len(axis) != 1:
        return None
    a = axis[0] + len(shape) + 1 if axis[0] < 0 else axis[0]
    return shape[:a] + [1] + shape[a:] if 0 <= a <= len(shape) else None


def _reduce(shape, axes, keep_dims):
    if shape is None or axes is None:
        return None
    rank = len(shape)
    chosen = {a + rank if a < 0 else a for a in axes}
    if keep_dims:
        return [1 if i in chosen else d for i, d in enumerate(shape)]
    return [d for i, d in enumerate(shape) if i not in chosen]


def _pad(shape, paddings):
    """Each dimension grown by its (before, after) paddings ([rank, 2] ints)."""
    if shape is None or paddings is None or len(paddings) != 2 * len(shape):
        return None
    return [-1 if d < 0 else d + paddings[2 * i] + paddings[2 * i + 1] for i, d in enumerate(shape)]
