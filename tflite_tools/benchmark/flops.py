"""CalculateFlops of TF's benchmark_model: the FLOPs of Conv2D, MatMul and
DepthwiseConv2dNative (and their quantized forms), from the shapes of one run."""

from __future__ import annotations

import numpy as np

from tflite_tools.benchmark.graph_session import GraphSession
from tflite_tools.core.names import tensor_name

# Ops the C++ tool counts FLOPs for (CalculateFlops).
_CONV_OPS = ("Conv2D", "QuantizedConv2D")
_MATMUL_OPS = ("MatMul", "QuantizedMatMul")
_DEPTHWISE_OPS = ("DepthwiseConv2dNative",)


def estimate_flops(session: GraphSession, feeds: dict) -> int:
    """CalculateFlops: Conv2D/MatMul/DepthwiseConv2dNative FLOPs of the top-level
    graph nodes, with shapes from one run on `feeds` (by input name)."""
    nodes = [n for n in session.graph_def.node if n.op in _CONV_OPS + _MATMUL_OPS + _DEPTHWISE_OPS]
    if not nodes:
        return 0
    wanted = sorted({tensor_name(i) for n in nodes for i in n.input[:2]}
                    | {tensor_name(n.name) for n in nodes})
    values = session.session.run(wanted, {t.tensor_name: feeds[t.name] for t in session.inputs})
    shapes = dict(zip(wanted, (np.shape(v) for v in values)))
    total = 0
    for node in nodes:
        out_elems = int(np.prod(shapes[tensor_name(node.name)], dtype=np.int64))
        if node.op in _MATMUL_OPS:
            a_shape = shapes[tensor_name(node.input[0])]
            k = a_shape[0] if node.attr["transpose_a"].b else a_shape[1]
            total += k * out_elems * 2
        else:
            filter_shape = shapes[tensor_name(node.input[1])]
            per_output = filter_shape[0] * filter_shape[1] * 2
            total += out_elems * per_output * (filter_shape[2] if node.op in _CONV_OPS else 1)
    return int(total)
