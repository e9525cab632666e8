"""Run a .tflite keeping every intermediate tensor (LiteRT's
`experimental_preserve_all_tensors`), without delegates: XNNPACK would run
whole subgraphs as one node and keep none of their intermediate tensors.

    >>> run = AllTensors(model)
    >>> values = run({model.inputs[0].index: batch})   # tensor index -> raw array
"""

from __future__ import annotations

import warnings

import numpy as np

from tflite_tools.core.lazy_tf import quiet_native_stderr
from tflite_tools.runners.tflite_runner import TfliteModel, to_tflite


class AllTensors:
    """The interpreter, its ops in execution order and its tensors.

    Attributes:
      ops: op details ({"op_name", "inputs", "outputs"}) in execution order.
      names: tensor index -> name.
      quantization: tensor index -> (scale, zero point) of per-tensor
        quantized tensors.
    """

    def __init__(self, model: TfliteModel):
        from ai_edge_litert.interpreter import Interpreter, OpResolverType  # noqa: PLC0415 (heavy, lazy)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "intended for debugging purposes only": it is what we do
            self._interpreter = Interpreter(
                model_content=model.content, experimental_preserve_all_tensors=True,
                experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
        with quiet_native_stderr():
            self._interpreter.allocate_tensors()
        self._model = model
        self.ops = [op for op in self._interpreter._get_ops_details() if op["op_name"] != "DELEGATE"]
        details = self._interpreter.get_tensor_details()
        self.names = {d["index"]: d["name"] for d in details}
        self.dtypes = {d["index"]: np.dtype(d["dtype"]) for d in details}
        self.quantization = {}
        for d in details:
            scales = d["quantization_parameters"]["scales"]
            if len(scales) == 1 and scales[0] != 0 and np.issubdtype(d["dtype"], np.integer):
                self.quantization[d["index"]] = (float(scales[0]),
                                                 int(d["quantization_parameters"]["zero_points"][0]))
        self._shapes = {t.index: tuple(t.shape) for t in model.inputs}

    def __call__(self, feeds: dict, indices) -> dict:
        """Invoke on `feeds` (input tensor index -> array, quantized when
        the input is) and return the raw values of the tensors at `indices`."""
        interpreter = self._interpreter
        by_index = {t.index: t for t in self._model.inputs}
        resized = False
        for index, value in feeds.items():
            if tuple(np.shape(value)) != self._shapes[index]:
                interpreter.resize_tensor_input(index, list(np.shape(value)), strict=False)
                self._shapes[index] = tuple(np.shape(value))
                resized = True
        if resized:
            interpreter.allocate_tensors()
        for index, value in feeds.items():
            interpreter.set_tensor(index, to_tflite(value, by_index[index]))
        interpreter.invoke()
        return {index: np.array(interpreter.get_tensor(index), copy=True) for index in indices}

    def dequantize(self, index: int, value: np.ndarray) -> np.ndarray:
        """`value` of tensor `index` as float when the tensor is quantized."""
        if index not in self.quantization:
            return value
        scale, zero_point = self.quantization[index]
        return (value.astype(np.float64) - zero_point) * scale
