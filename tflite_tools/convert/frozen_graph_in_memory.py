"""The converter `from_frozen_graph` builds, from a GraphDef already in memory.

    converter = frozen_graph_in_memory.converter(cls, graph_bytes, ["input"], ["output"], {"input": [1, 8]})

Built as TensorFlow builds it: the GraphDef imported into a new tf.Graph, the
shapes set on the input tensors, the graph exported again and the conversion
metadata marked TF_GRAPH_DEF, so the .tflite is the same to the byte
(tests/test_convert.py checks it on every TensorFlow of the matrix). Left
out: reading and parsing a file the caller has in memory already, and the
Session from_frozen_graph opens only to export the graph (0.7 ms of a 35 ms
conversion).
"""

from __future__ import annotations

import sys
from typing import Optional, Sequence

from tflite_tools.core.lazy_tf import tensorflow


def converter(cls, graph: Optional[bytes], input_arrays: Sequence[str], output_arrays: Sequence[str],
              input_shapes: Optional[dict] = None):
    """What `cls.from_frozen_graph` returns on a file holding `graph`, or None.

    None when only from_frozen_graph can say what happens, with its own
    message: no graph, a graph it reads another way (text, big-endian), an
    op this TensorFlow lacks, variables, a tensor name or shape it refuses,
    or a TensorFlow without the metadata mark.
    """
    tf = tensorflow()
    shapes = dict(input_shapes or {})
    if graph is None or sys.byteorder != "little" or any(":" in n for n in [*input_arrays, *output_arrays]) \
            or not set(shapes) <= set(input_arrays):
        return None
    try:
        from tensorflow.lite.python import conversion_metadata_schema_py_generated as metadata
        from tensorflow.lite.python.lite import TFLiteConverterBase

        graph_def = tf.compat.v1.GraphDef.FromString(graph)
        imported = tf.Graph()
        with imported.as_default():
            tf.graph_util.import_graph_def(graph_def, name="")
        if any(op.type.startswith("Variable") or op.type.endswith("VariableOp")
               for op in imported.get_operations()):
            return None
        inputs = [imported.get_tensor_by_name(n + ":0") for n in input_arrays]
        outputs = [imported.get_tensor_by_name(n + ":0") for n in output_arrays]
        for name, tensor in zip(input_arrays, inputs):
            if shapes.get(name) is not None:
                tensor.set_shape(shapes[name])
        TFLiteConverterBase._set_original_model_type(metadata.ModelType.TF_GRAPH_DEF)
        return cls(imported.as_graph_def(), inputs, outputs)
    except Exception:  # noqa: BLE001 - from_frozen_graph then raises its own error, or succeeds its own way
        return None

