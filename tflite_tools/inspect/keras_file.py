"""What a Keras file holds, for `inspect`, from its config and weights
alone (json + h5py; neither Keras nor TensorFlow is imported).

Inputs come from the InputLayers, outputs from the model's output layers.
Output shapes are worked out for layers whose output shape follows from
their config and input shapes (Dense, convolutions and poolings with
channels last, Flatten, Reshape, Concatenate, merges, shape-preserving
layers); other layers report an unknown shape. Variables are the datasets of the weights file
(`model_weights` in .h5, `model.weights.h5` inside a .keras zip).
"""

from __future__ import annotations

import collections
import io
import json
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
_MERGE = frozenset({"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"})
_CONV = frozenset({"Conv1D", "Conv2D", "Conv3D", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D",
                   "SeparableConv2D"})
_POOL = frozenset({"MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
                   "AveragePooling3D"})
_GLOBAL_POOL = frozenset({"GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
                          "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D"})


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
    _note_code_layers(layers, summary)
    try:
        summary.variables.extend(_weights(weights_path, is_zip))
        summary.producer = _keras_version(weights_path, is_zip)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
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
    reference as ["x", 0, 0], several (and Keras 2 always) as a list of them,
    a dict of them for dict inputs/outputs (taken in key order, as the
    converter flattens them)."""
    if isinstance(refs, dict):
        return [name for key in sorted(refs) for name in _layer_refs(refs[key])]
    if not isinstance(refs, list) or not refs:
        return []
    if isinstance(refs[0], str):
        return [refs[0]]
    return [name for ref in refs for name in _layer_refs(ref)]


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
    """Layer name -> output shape (list, -1 for unknown dims, None when
    unknown) and dtype, in config order (Keras writes layers topologically)."""
    shapes, dtypes, previous = {}, {}, None
    for layer in layers:
        name, cfg = _name(layer), layer.get("config", {})
        batch_shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
        if layer.get("class_name") == "InputLayer" or (previous is None and batch_shape):
            shape = _dims(batch_shape)
            if layer.get("class_name") != "InputLayer":  # Keras 2 Sequential: the shape is the layer's input
                shape = _output_shape(layer, [shape])
        else:
            inbound = [shapes.get(previous)] if class_name == "Sequential" else _inbound_shapes(layer, shapes)
            shape = _output_shape(layer, inbound)
        # A config missing a field (units=None, ...) leaves the shape unknown rather than wrong.
        shapes[name] = shape if shape is not None and all(isinstance(d, int) for d in shape) else None
        dtypes[name] = _dtype(cfg)
        previous = name
    return shapes, dtypes


def _dims(shape):
    return None if shape is None else [-1 if d is None else int(d) for d in shape]


def _inbound_shapes(layer: dict, shapes: dict) -> list:
    """Shapes of the tensors a functional-model layer is first called on."""
    nodes = layer.get("inbound_nodes") or []
    if not nodes:
        return []
    node = nodes[0]
    if isinstance(node, dict):  # Keras 3: {"args": [tensor or [tensors]], ...}, each with its shape
        args = node.get("args") or []
        first = args[0] if args else None
        tensors = first if isinstance(first, list) else [first]
        return [_dims(t["config"]["shape"]) if isinstance(t, dict) and "shape" in t.get("config", {}) else None
                for t in tensors]
    return [shapes.get(ref[0]) for ref in node]  # Keras 2: [["name", node, tensor, {}], ...]


def _output_shape(layer: dict, inbound: list):
    """A layer's output shape from its config and its input shapes, or None."""
    if not inbound or any(s is None for s in inbound):
        return None
    kind, cfg, shape = layer.get("class_name"), layer.get("config", {}), inbound[0]
    if kind in _SAME_SHAPE:
        return list(shape)
    if kind == "Dense":
        return shape[:-1] + [cfg.get("units")]
    if kind == "Embedding":
        return shape + [cfg.get("output_dim")]
    if kind == "Flatten":
        rest = shape[1:]
        return [shape[0], math.prod(rest) if all(d >= 0 for d in rest) else -1]
    if kind == "Reshape":
        return _reshape([shape[0]], shape[1:], list(cfg.get("target_shape", [])))
    if kind == "Concatenate":
        return _concatenate(inbound, cfg.get("axis", -1))
    if kind in _MERGE:
        return list(shape) if all(s == shape for s in inbound) else None
    if cfg.get("data_format") not in (None, "channels_last"):
        return None
    if kind in _CONV:
        channels = shape[-1] * cfg.get("depth_multiplier", 1) if kind.startswith("Depthwise") \
            else cfg.get("filters")
        spatial = _windows(shape, cfg.get("kernel_size"), cfg.get("strides"), cfg.get("padding"),
                           cfg.get("dilation_rate", 1))
        return None if spatial is None else [shape[0], *spatial, channels]
    if kind in _POOL:
        strides = cfg.get("strides") or cfg.get("pool_size")
        spatial = _windows(shape, cfg.get("pool_size"), strides, cfg.get("padding"), 1)
        return None if spatial is None else [shape[0], *spatial, shape[-1]]
    if kind in _GLOBAL_POOL:
        if cfg.get("keepdims"):
            return [shape[0]] + [1] * (len(shape) - 2) + [shape[-1]]
        return [shape[0], shape[-1]]
    return None


def _per_dim(value, rank: int) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value] * rank


def _windows(shape, kernel, strides, padding, dilation):
    """Spatial output sizes of a convolution or pooling window (channels last)."""
    rank = len(shape) - 2
    if rank < 1 or kernel is None or padding not in ("same", "valid", "causal"):
        return None
    sizes = []
    for n, k, s, d in zip(shape[1:-1], _per_dim(kernel, rank), _per_dim(strides or 1, rank),
                          _per_dim(dilation or 1, rank)):
        if n < 0:
            sizes.append(-1)
        elif padding == "valid":
            sizes.append((n - (k - 1) * d - 1) // s + 1)
        else:  # same, and causal (left-padded to the same length)
            sizes.append(-(-n // s))
    return sizes


def _reshape(batch, rest, target):
    if target.count(-1) == 1 and all(d >= 0 for d in rest):
        known = math.prod(d for d in target if d != -1)
        if known:
            target = [math.prod(rest) // known if d == -1 else d for d in target]
    return batch + target


def _concatenate(inbound, axis):
    rank = len(inbound[0])
    if any(len(s) != rank for s in inbound):
        return None
    axis = axis + rank if axis < 0 else axis
    result = list(inbound[0])
    sizes = [s[axis] for s in inbound]
    result[axis] = -1 if any(d < 0 for d in sizes) else sum(sizes)
    return result


def _spec(name, dtype, shape, op, index) -> common_pb2.TensorSpec:
    spec = common_pb2.TensorSpec(name=name, dtype=dtype, op=op, index=index)
    if shape is None:
        spec.unknown_rank = True
    else:
        spec.shape.extend(shape)
    return spec


def _keras_version(path: str, is_zip: bool) -> str:
    """"keras <version>" as the file records it (metadata.json or HDF5 attrs), or ""."""
    if is_zip:
        with zipfile.ZipFile(path) as archive:
            if "metadata.json" not in archive.namelist():
                return ""
            version = json.loads(archive.read("metadata.json")).get("keras_version", "")
    else:
        import h5py  # noqa: PLC0415 (only Keras files need it)

        with h5py.File(path, "r") as f:
            version = f.attrs.get("keras_version", "")
    version = version.decode("utf-8") if isinstance(version, bytes) else str(version)
    return f"keras {version}" if version else ""


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
