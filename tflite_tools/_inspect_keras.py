"""What a Keras file holds, for `inspect`, from its config and weights
alone (json + h5py; neither Keras nor TensorFlow is imported).

Inputs come from the InputLayers, outputs from the model's output layers.
Output shapes are worked out only for layers whose output shape follows
from their config (Dense, Flatten, shape-preserving layers); other layers
report an unknown shape. Variables are the datasets of the weights file
(`model_weights` in .h5, `model.weights.h5` inside a .keras zip).
"""

from __future__ import annotations

import collections
import io
import math
import zipfile

from tflite_tools.proto import common_pb2, summary_pb2

# Layers whose output has the shape of their input.
_SAME_SHAPE = frozenset({
    "Activation", "ReLU", "Softmax", "LeakyReLU", "ELU", "PReLU", "ThresholdedReLU", "Dropout",
    "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout",
    "AlphaDropout", "BatchNormalization", "LayerNormalization", "GroupNormalization",
    "UnitNormalization", "Normalization", "Rescaling", "ActivityRegularization", "Identity",
})


def describe(config: dict, weights_path: str, is_zip: bool, summary: summary_pb2.ModelSummary) -> None:
    """Fill inputs, outputs, variables, parameters and the layer histogram."""
    model = config.get("config", {})
    layers = model.get("layers", [])
    shapes, dtypes = _layer_shapes(config.get("class_name", ""), layers)
    for index, name in enumerate(_input_names(config, layers)):
        summary.inputs.append(_spec(name, dtypes.get(name, ""), shapes.get(name), "InputLayer", index))
    classes = {_name(layer): layer.get("class_name", "") for layer in layers}
    for index, name in enumerate(_output_names(config, layers)):
        summary.outputs.append(_spec(name, dtypes.get(name, ""), shapes.get(name), classes.get(name, ""), index))
    if any(spec.unknown_rank for spec in summary.outputs):
        summary.notes.append("some output shapes cannot be told from the Keras config alone; "
                             "`inspect --check` or the converted model shows them.")
    summary.node_count = len(layers)
    counts = collections.Counter(layer.get("class_name", "") for layer in layers)
    summary.op_counts.extend(common_pb2.OpCount(op=op, count=n)
                             for op, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    summary.notes.append("op counts of a Keras model count its layer classes.")
    _note_code_layers(layers, summary)
    try:
        summary.variables.extend(_weights(weights_path, is_zip))
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        summary.notes.append(f"the weights could not be read ({exc}); variables are not listed.")
    summary.variable_parameters = sum(math.prod(spec.shape) for spec in summary.variables)


def _note_code_layers(layers: list, summary) -> None:
    """Lambda and custom layers need code to load: say so before converting."""
    lambdas = [_name(layer) for layer in layers if layer.get("class_name") == "Lambda"]
    if lambdas:
        summary.notes.append(f"Lambda layers ({', '.join(lambdas[:5])}) hold Python code: loading them "
                             "needs --unsafe_deserialization (only for files you trust).")
    # Keras 3 records each layer's module; a custom one is not in `keras.*` or has a registered name.
    custom = sorted({layer.get("class_name", "") for layer in layers
                     if layer.get("registered_name") and "module" in layer
                     and not str(layer.get("module") or "").startswith("keras")})
    if custom:
        summary.notes.append(f"custom layer classes {', '.join(custom)}: converting needs their code "
                             "importable (registered with keras.saving.register_keras_serializable).")


def _name(layer: dict) -> str:
    return layer.get("name") or layer.get("config", {}).get("name", "")


def _layer_refs(refs) -> list[str]:
    """Layer names of input_layers/output_layers: Keras 3 writes one
    reference as ["x", 0, 0], several (and Keras 2 always) as a list of them."""
    if not refs:
        return []
    if isinstance(refs[0], str):
        return [refs[0]]
    return [ref[0] for ref in refs]


def _input_names(config, layers) -> list[str]:
    refs = config.get("config", {}).get("input_layers")
    if refs:
        return _layer_refs(refs)
    return [_name(layers[0])] if layers else []


def _output_names(config, layers) -> list[str]:
    refs = config.get("config", {}).get("output_layers")
    if refs:
        return _layer_refs(refs)
    return [_name(layers[-1])] if layers else []


def _dtype(layer_config: dict) -> str:
    dtype = layer_config.get("dtype")
    if isinstance(dtype, dict):  # a DTypePolicy: its name, e.g. "mixed_float16"
        dtype = dtype.get("config", {}).get("name", "")
    return (dtype or "float32").removeprefix("mixed_")


def _layer_shapes(class_name: str, layers: list) -> tuple[dict, dict]:
    """Layer name -> output shape (list, None for unknown) and dtype."""
    shapes, dtypes, previous = {}, {}, None
    for layer in layers:
        name, cfg = _name(layer), layer.get("config", {})
        batch_shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
        if layer.get("class_name") == "InputLayer" or (previous is None and batch_shape):
            in_shape = batch_shape
        elif class_name == "Sequential":
            in_shape = shapes.get(previous)
        else:
            in_shape = _inbound_shape(layer, shapes)
        shape = in_shape if layer.get("class_name") == "InputLayer" else _output_shape(layer, in_shape)
        shapes[name] = [-1 if d is None else d for d in shape] if shape is not None else None
        dtypes[name] = _dtype(cfg)
        previous = name
    return shapes, dtypes


def _inbound_shape(layer: dict, shapes: dict):
    nodes = layer.get("inbound_nodes") or []
    if not nodes:
        return None
    node = nodes[0]
    if isinstance(node, dict):  # Keras 3: {"args": [{"config": {"shape": [...]}}]}
        args = node.get("args") or []
        first = args[0] if args else None
        if isinstance(first, dict) and "shape" in first.get("config", {}):
            return first["config"]["shape"]
        return None
    return shapes.get(node[0][0]) if node and node[0] else None  # Keras 2: [[["name", 0, 0, {}]]]


def _output_shape(layer: dict, in_shape):
    if in_shape is None:
        return None
    kind, cfg = layer.get("class_name"), layer.get("config", {})
    if kind == "Dense":
        return list(in_shape[:-1]) + [cfg.get("units")]
    if kind in _SAME_SHAPE:
        return list(in_shape)
    if kind == "Flatten":
        rest = in_shape[1:]
        return [in_shape[0], math.prod(rest) if all(d not in (None, -1) for d in rest) else None]
    return None


def _spec(name, dtype, shape, op, index) -> common_pb2.TensorSpec:
    spec = common_pb2.TensorSpec(name=name, dtype=dtype, op=op, index=index)
    if shape is None:
        spec.unknown_rank = True
    else:
        spec.shape.extend(shape)
    return spec


def _weights(path: str, is_zip: bool) -> list[common_pb2.TensorSpec]:
    import h5py  # noqa: PLC0415 (only Keras files need it)

    if is_zip:
        with zipfile.ZipFile(path) as archive:
            source, group = io.BytesIO(archive.read("model.weights.h5")), "layers"
    else:
        source, group = path, "model_weights"
    specs = []
    with h5py.File(source, "r") as f:
        if group not in f:
            return specs

        def visit(name, item):
            if isinstance(item, h5py.Dataset):
                # .h5 nests <layer>/<layer>/<weight>: the first level repeats the layer.
                parts = name.split("/")
                shown = "/".join(parts[1:] if not is_zip and len(parts) > 2 else parts)
                specs.append(common_pb2.TensorSpec(name=shown.removesuffix(":0"), dtype=str(item.dtype),
                                                   shape=list(item.shape), index=len(specs)))

        f[group].visititems(visit)
    return specs
