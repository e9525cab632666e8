"""Run a .tflite with ai-edge-litert, in the source model's number domain.

`TfliteModel` reads the flatbuffer once: its inputs/outputs, the Flex (select
TF) ops it needs, and what quantization it uses. `TfliteModel.make_runner()`
returns a callable that takes float (or the model's own dtype) arrays keyed by
input tensor index, quantizes them when the input is integer-quantized,
resizes inputs whose shape differs, invokes, and returns the outputs keyed by
output tensor index, dequantized to float when they are integer-quantized.

    >>> model = TfliteModel.from_path("model.tflite")
    >>> run = model.make_runner()
    >>> outputs = run({model.inputs[0].index: batch})

Nothing here imports TensorFlow: ai-edge-litert is the interpreter, because
`tf.lite.Interpreter` is deprecated (TF 2.21) and will be removed.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Callable, Optional

import numpy as np

from tflite_tools.core.lazy_tf import quiet_native_stderr
from tflite_tools.errors import InputError

# The flatbuffer file identifier at bytes 4..8 of every .tflite.
_TFLITE_IDENTIFIER = b"TFL3"


@dataclasses.dataclass
class TfliteTensor:
    """One input or output of the .tflite, as the interpreter reports it.

    `shape` is the current shape; `shape_signature` has -1 for dimensions
    the model accepts at any size. `scale`/`zero_point` are the per-tensor
    quantization (scale 0 when the tensor is not quantized).
    """

    name: str
    index: int
    position: int
    dtype: np.dtype
    shape: tuple
    shape_signature: tuple
    scale: float
    zero_point: int

    @property
    def quantized(self) -> bool:
        return self.scale != 0.0 and np.issubdtype(self.dtype, np.integer)


@dataclasses.dataclass
class Signature:
    """A SignatureDef kept in the .tflite: keys -> tensor indices."""

    key: str
    inputs: dict  # signature input key -> tensor index
    outputs: dict  # signature output key -> tensor index


class TfliteModel:
    """A parsed .tflite: I/O, signatures, Flex ops, quantization kind."""

    def __init__(self, content: bytes, path: str = ""):
        if len(content) < 8 or content[4:8] != _TFLITE_IDENTIFIER:
            raise InputError(f"{path or 'the model'} is not a TensorFlow Lite flatbuffer "
                             "(no TFL3 identifier); pass the .tflite that convert wrote.")
        from ai_edge_litert.interpreter import Interpreter  # noqa: PLC0415 (heavy, lazy)

        self.path = path
        self.content = content
        self._interpreter_class = Interpreter
        try:
            # Constructing does not allocate, so this works even for models
            # whose Flex ops cannot run here.
            probe = Interpreter(model_content=content)
        except (RuntimeError, ValueError) as exc:
            raise InputError(f"{path or 'the model'} could not be read by the TFLite "
                             f"interpreter: {exc}") from exc
        self.inputs = [_tensor(d, i) for i, d in enumerate(probe.get_input_details())]
        self.outputs = [_tensor(d, i) for i, d in enumerate(probe.get_output_details())]
        self.signatures = _signatures(probe)
        # The flatbuffer reader (the `tflite` schema classes): cheap, but only needed here.
        from tflite_tools.formats import tflite_flatbuffer  # noqa: PLC0415

        model = tflite_flatbuffer.read_model(content)
        self.flex_ops, self.custom_ops = tflite_flatbuffer.non_builtin_ops(model)
        self.quantization = tflite_flatbuffer.quantization_kind(model)

    @classmethod
    def from_path(cls, path: str) -> "TfliteModel":
        if not os.path.isfile(path):
            raise InputError(f"{path} does not exist or is not a file; pass the path of a .tflite.")
        with open(path, "rb") as handle:
            return cls(handle.read(), path)

    @property
    def runnable(self) -> bool:
        """False when the model needs the Flex delegate, which ai-edge-litert
        and the pip TensorFlow interpreter do not ship."""
        return not self.flex_ops

    def make_runner(self, num_threads: Optional[int] = None) -> Callable[[dict], dict]:
        """A callable `feeds -> outputs`, both keyed by tensor index.

        Feeds for integer-quantized inputs may be float: they are quantized
        with the input's scale/zero point. Integer-quantized outputs come
        back dequantized to float32; others as the interpreter returns them.
        The interpreter is built once and re-allocated only when a feed's
        shape changes.
        """
        interpreter = self._interpreter_class(model_content=self.content, num_threads=num_threads)
        # The XNNPACK delegate announces itself on fd 2 ("INFO: Created
        # TensorFlow Lite XNNPACK delegate"); keep the CLI's stderr for errors.
        with quiet_native_stderr():
            interpreter.allocate_tensors()
        current = {t.index: tuple(t.shape) for t in self.inputs}

        def run(feeds: dict) -> dict:
            resized = False
            for tensor in self.inputs:
                shape = tuple(np.shape(feeds[tensor.index]))
                if shape != current[tensor.index]:
                    # strict=False: a fixed-shape input may still be resized
                    # when its ops allow it, as convert's --input_shapes does.
                    interpreter.resize_tensor_input(tensor.index, list(shape), strict=False)
                    current[tensor.index] = shape
                    resized = True
            if resized:
                interpreter.allocate_tensors()
            for tensor in self.inputs:
                interpreter.set_tensor(tensor.index, to_tflite(feeds[tensor.index], tensor))
            interpreter.invoke()
            return {t.index: from_tflite(interpreter.get_tensor(t.index), t) for t in self.outputs}

        return run


def to_tflite(value, tensor: TfliteTensor) -> np.ndarray:
    """`value` in the input's dtype: quantized when the input is quantized
    and the value is float, else cast."""
    value = np.asarray(value)
    if tensor.quantized and np.issubdtype(value.dtype, np.floating):
        info = np.iinfo(tensor.dtype)
        q = np.round(value / tensor.scale) + tensor.zero_point
        return np.clip(q, info.min, info.max).astype(tensor.dtype)
    return value.astype(tensor.dtype, copy=False)


def from_tflite(value: np.ndarray, tensor: TfliteTensor) -> np.ndarray:
    """`value` dequantized to float32 when the tensor is quantized."""
    if tensor.quantized:
        return ((value.astype(np.float32) - tensor.zero_point) * tensor.scale).astype(np.float32)
    return np.array(value, copy=True)


def _tensor(detail: dict, position: int) -> TfliteTensor:
    scale, zero_point = detail["quantization"]
    return TfliteTensor(
        name=detail["name"], index=int(detail["index"]), position=position,
        dtype=np.dtype(detail["dtype"]), shape=tuple(int(d) for d in detail["shape"]),
        shape_signature=tuple(int(d) for d in detail.get("shape_signature", detail["shape"])),
        scale=float(scale), zero_point=int(zero_point))


def _signatures(interpreter) -> list[Signature]:
    signatures = []
    for key in interpreter.get_signature_list():
        runner = interpreter.get_signature_runner(key)
        signatures.append(Signature(
            key=key,
            inputs={name: int(d["index"]) for name, d in runner.get_input_details().items()},
            outputs={name: int(d["index"]) for name, d in runner.get_output_details().items()}))
    return signatures
