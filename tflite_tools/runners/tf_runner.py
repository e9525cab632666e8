"""Run a TensorFlow source model on numpy inputs, whatever its artifact kind.

One runner per kind, one entry point. `make_runner` loads the model once
(a Session for graphs and checkpoints, a loaded signature for SavedModels, a
Keras model) and returns a `SourceRunner`: call it with feeds keyed by input
name as many times as needed; `run_source` is the one-shot form.

    >>> runner = make_runner("frozen.pb", input_arrays=["input"], output_arrays=["output"])
    >>> [t.name for t in runner.inputs], [t.name for t in runner.outputs]
    (['input'], ['output'])
    >>> runner({"input": batch})["output"].shape
    (1, 5)

Names are what a user passes to convert: node names for graphs (a ":0"
suffix is accepted), signature keys for SavedModels, layer names for Keras.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Optional, Sequence, Union

import numpy as np

from tflite_tools.core import names
from tflite_tools.core.lazy_tf import tensorflow
from tflite_tools.core.names import strip_index
from tflite_tools.formats.saved_model import SERVING_SIGNATURE
from tflite_tools.errors import InputError, UsageError, unknown_name_error
from tflite_tools.graph.analysis import VARIABLE_OPS
from tflite_tools.model import LoadedModel
from tflite_tools.proto import summary_pb2
from tflite_tools.runners import keras_loader

_F = summary_pb2.ModelFormat
_GRAPH_FORMATS = (_F.FROZEN_GRAPH, _F.GRAPH_DEF, _F.CHECKPOINT, _F.META_GRAPH)
_SAVED_MODEL_FORMATS = (_F.SAVED_MODEL_TF1, _F.SAVED_MODEL_TF2)
_KERAS_FORMATS = (_F.KERAS_H5, _F.KERAS_V3)


@dataclasses.dataclass
class SourceTensor:
    """An input or output of the source model.

    Attributes:
      name: the name a user passes (node name, signature key, layer name).
      dtype: numpy dtype.
      shape: dimensions, None for unknown; None for unknown rank.
      tensor_name: the graph tensor behind it ("x:0"), when there is one.
      aliases: other names the converter may give it in the .tflite
        (Keras outputs become signature keys "output_0", ...).
    """

    name: str
    dtype: np.dtype
    shape: Optional[tuple]
    tensor_name: str = ""
    aliases: tuple = ()


@dataclasses.dataclass
class SourceRunner:
    """A loaded source model: `runner(feeds) -> {output name: array}`.

    `feeds` is keyed by input name (`inputs[i].name`); every input must be
    fed. Outputs come back as numpy arrays keyed by `outputs[i].name`.
    """

    inputs: list
    outputs: list
    kind: str
    _call: Callable[[dict], list]
    _close: Callable[[], None] = lambda: None
    path: str = ""
    keras_model: object = None  # Keras sources: the loaded model (tf_intermediates traces it)

    def __call__(self, feeds: dict) -> dict:
        missing = [t.name for t in self.inputs if t.name not in feeds]
        if missing:
            raise UsageError(f"no value given for input(s) {', '.join(missing)}; feed every input of the model.")
        try:
            values = self._call(feeds)
        except (ValueError, TypeError, tensorflow().errors.OpError) as exc:
            shapes = ", ".join(f"{name} {list(np.shape(value))}" for name, value in feeds.items())
            detail = (getattr(exc, "message", None) or str(exc)).strip().splitlines()[0]
            raise UsageError(f"TensorFlow could not run {self.path or 'the model'} on inputs {shapes} "
                             f"({detail}); give shapes it accepts with --input_shapes.") from exc
        return {t.name: np.asarray(v) for t, v in zip(self.outputs, values)}

    def close(self) -> None:
        """Free the session or model (the runner cannot be called after)."""
        self._close()


def load(source: Union[str, LoadedModel]) -> LoadedModel:
    """`source` itself, or the model at that path via tflite_tools.formats.loaders."""
    if isinstance(source, LoadedModel):
        return source
    from tflite_tools.formats import loaders  # noqa: PLC0415 (loaders import detection only when needed)

    return loaders.load(source)


def make_runner(source: Union[str, LoadedModel], *, input_arrays: Optional[Sequence[str]] = None,
                output_arrays: Optional[Sequence[str]] = None, signature_key: Optional[str] = None,
                saved_model_tags: Optional[Sequence[str]] = None) -> SourceRunner:
    """Load `source` into TensorFlow once and return a reusable runner.

    Args:
      source: a path (any artifact tflite_tools.formats.loaders recognises) or a
        LoadedModel.
      input_arrays: graph sources: the nodes to feed (default: every
        Placeholder). SavedModel/Keras: a subset check only. A TF1
        SavedModel given tensor names (not signature keys) runs as a graph.
      output_arrays: graph sources: the nodes to fetch (required: a graph
        does not say which nodes are its outputs). SavedModel/Keras:
        restricts the outputs returned.
      signature_key: SavedModels: the signature to run (default
        serving_default, else the only one).
      saved_model_tags: SavedModels: the MetaGraph tag set (default: the
        detected tags).

    Raises:
      UsageError: a name that is not in the model, or missing output_arrays.
      InputError: the source is a .tflite, or a graph whose variables have
        no values (no checkpoint).
    """
    model = load(source)
    by_tensor = model.format == _F.SAVED_MODEL_TF1 and not _signature_names(model, signature_key).issuperset(
        strip_index(name) for name in [*(input_arrays or ()), *(output_arrays or ())])
    if model.format in _GRAPH_FORMATS or by_tensor:
        runner = _graph_runner(model, input_arrays, output_arrays, saved_model_tags)
    elif model.format in _SAVED_MODEL_FORMATS:
        runner = _saved_model_runner(model, signature_key, saved_model_tags)
    elif model.format in _KERAS_FORMATS:
        runner = _keras_runner(model)
    elif model.format == _F.TFLITE:
        raise InputError(f"{model.path} is a .tflite, not a TensorFlow model; pass the model it was "
                         "converted from as the source.")
    else:
        raise InputError(f"{model.path} is not a TensorFlow artifact tflite-tools can run.")
    runner.path = model.path
    if runner.kind != "graph":
        _check_subset(runner.inputs, input_arrays, "input", "--input_arrays")
        if output_arrays:
            runner = _select_outputs(runner, output_arrays)
    return runner


def run_source(source: Union[str, LoadedModel], feeds: dict, outputs: Optional[Sequence[str]] = None,
               **kwargs) -> dict:
    """Run `source` once: `feeds` keyed by input name -> {output name: array}.

    `outputs` are the output names to fetch (required for graph sources);
    other keyword arguments go to `make_runner`.
    """
    model = load(source)
    runner = make_runner(model, input_arrays=list(feeds) if is_graph(model) else None,
                         output_arrays=outputs, **kwargs)
    try:
        return runner(feeds)
    finally:
        runner.close()


def is_graph(model: LoadedModel) -> bool:
    """True for the kinds run as a GraphDef in a Session (outputs must be named)."""
    return model.format in _GRAPH_FORMATS


def _check_subset(tensors, names, kind, flag):
    known = [t.name for t in tensors]
    for name in names or ():
        if strip_index(name) not in known:
            raise unknown_name_error(kind, name, known, flag)


def _select_outputs(runner: SourceRunner, names) -> SourceRunner:
    by_name = {t.name: i for i, t in enumerate(runner.outputs)}
    wanted = []
    for name in names:
        if strip_index(name) not in by_name:
            raise unknown_name_error("output", name, list(by_name), "--output_arrays")
        wanted.append(by_name[strip_index(name)])
    call = runner._call

    def selected(feeds):
        values = call(feeds)
        return [values[i] for i in wanted]

    return dataclasses.replace(runner, outputs=[runner.outputs[i] for i in wanted], _call=selected)


def _shape(tf_shape) -> Optional[tuple]:
    if tf_shape.rank is None:
        return None
    return tuple(tf_shape.as_list())


# --- graphs: frozen GraphDef, GraphDef/MetaGraph + checkpoint ---------------------------------------

def _graph_runner(model: LoadedModel, input_arrays, output_arrays, tags=None) -> SourceRunner:
    """A Session on the model's graph with its variables restored; fed and
    fetched by tensor name. Also runs TF1 SavedModels named by tensors."""
    if not output_arrays:
        raise UsageError(f"{model.path} is a graph, which does not say which nodes are its outputs; "
                         "pass --output_arrays.")
    graph, session = graph_session(model, tags)
    try:
        nodes = [op.name for op in graph.get_operations()]
        if not input_arrays:
            input_arrays = [op.name for op in graph.get_operations() if op.type == "Placeholder"]
        inputs = [_graph_tensor(graph, name, nodes, "input", "--input_arrays") for name in input_arrays]
        outputs = [_graph_tensor(graph, name, nodes, "output", "--output_arrays") for name in output_arrays]
    except BaseException:
        session.close()
        raise
    fetches = [t.tensor_name for t in outputs]

    def call(feeds):
        return session.run(fetches, {t.tensor_name: feeds[t.name] for t in inputs})

    return SourceRunner(inputs, outputs, "graph", call, session.close)


def graph_session(model: LoadedModel, tags=None):
    """(graph, Session) on the model's graph with its variables restored:
    graph kinds, and TF1 SavedModels loaded with `tags`."""
    tf = tensorflow()
    graph = tf.Graph()
    session = tf.compat.v1.Session(graph=graph, config=tf.compat.v1.ConfigProto(allow_soft_placement=True))
    try:
        if model.format in _SAVED_MODEL_FORMATS:
            with graph.as_default():
                tf.compat.v1.saved_model.loader.load(session, list(tags or model.detection.tags or ["serve"]),
                                                     model.saved_model_dir)
        else:
            _import_and_restore(tf, model, graph, session)
    except BaseException:
        session.close()
        raise
    return graph, session


def _import_and_restore(tf, model: LoadedModel, graph, session) -> None:
    """Import the GraphDef or MetaGraph into `graph` and give its variables
    their checkpoint values (InputError when there is no checkpoint)."""
    saver = None
    with graph.as_default():
        if model.meta_graph is not None:
            meta = tf.compat.v1.MetaGraphDef.FromString(model.meta_graph.SerializeToString())
            saver = tf.compat.v1.train.import_meta_graph(meta, clear_devices=True)
        else:
            graph_def = tf.compat.v1.GraphDef.FromString(model.graph_def.SerializeToString())
            for node in graph_def.node:
                node.device = ""
            tf.compat.v1.import_graph_def(graph_def, name="")
    variables = [op for op in graph.get_operations() if op.type in VARIABLE_OPS]
    prefix = model.detection.checkpoint_prefix
    if variables and not prefix:
        raise InputError(f"{model.path} has {len(variables)} variable(s) (e.g. {variables[0].name}) but no "
                         "checkpoint with their values; pass the checkpoint directory or freeze the graph first.")
    if variables:
        _restore(tf, graph, session, saver, variables, prefix)


def _graph_tensor(graph, name, nodes, kind, flag) -> SourceTensor:
    tensor_name = names.tensor_name(name)
    try:
        tensor = graph.get_tensor_by_name(tensor_name)
    except (KeyError, ValueError):
        raise unknown_name_error(kind, name, nodes, flag) from None
    return SourceTensor(strip_index(name), np.dtype(tensor.dtype.base_dtype.as_numpy_dtype),
                        _shape(tensor.shape), tensor_name)


def _restore(tf, graph, session, saver, variables, prefix):
    """Give every variable its checkpoint value.

    A MetaGraph carries its Saver, which knows how names map. A bare
    GraphDef does not, so each variable is assigned the checkpoint entry of
    its own node name (how tf.train.Saver names them by default).
    """
    if saver is not None:
        with graph.as_default():
            saver.restore(session, prefix)
        return
    reader = tf.train.load_checkpoint(prefix)
    stored = reader.get_variable_to_shape_map()
    with graph.as_default():
        feeds, assigns = {}, []
        for op in variables:
            if op.name not in stored:
                raise InputError(f"variable {op.name} has no value in checkpoint {prefix}; "
                                 "pass the checkpoint written by the same model.")
            value = reader.get_tensor(op.name)
            slot = tf.compat.v1.placeholder(tf.as_dtype(value.dtype), value.shape)
            if op.type == "VarHandleOp":
                assigns.append(tf.raw_ops.AssignVariableOp(resource=op.outputs[0], value=slot))
            else:
                assigns.append(tf.compat.v1.assign(op.outputs[0], slot))
            feeds[slot] = value
    session.run(assigns, feeds)


# --- SavedModel (TF1 and TF2) through its signature --------------------------------------------------

def _saved_model_runner(model: LoadedModel, signature_key, tags) -> SourceRunner:
    tf = tensorflow()
    tags = list(tags or model.detection.tags) or None
    try:
        loaded = tf.saved_model.load(model.saved_model_dir, tags=tags)
    except (ValueError, RuntimeError, OSError) as exc:
        raise InputError(f"TensorFlow could not load the SavedModel {model.saved_model_dir}: "
                         f"{str(exc).splitlines()[0]}") from exc
    keys = list(loaded.signatures.keys())
    if not keys:
        raise InputError(f"the SavedModel {model.saved_model_dir} has no signatures to run; "
                         "export it with a serving signature.")
    if signature_key is None:
        signature_key = SERVING_SIGNATURE if SERVING_SIGNATURE in keys or len(keys) != 1 else keys[0]
    if signature_key not in keys:
        raise unknown_name_error("signature", signature_key, keys, "--signature_key")
    function = loaded.signatures[signature_key]
    specs = function.structured_input_signature[1]
    tensor_names = _signature_tensor_names(model, signature_key)
    inputs = [SourceTensor(key, np.dtype(spec.dtype.as_numpy_dtype), _shape(spec.shape),
                           tensor_names.get(("in", key), ""))
              for key, spec in sorted(specs.items())]
    structured = function.structured_outputs
    outputs = [SourceTensor(key, np.dtype(spec.dtype.as_numpy_dtype), _shape(spec.shape),
                            tensor_names.get(("out", key), ""))
               for key, spec in sorted(structured.items())]

    def call(feeds):
        result = function(**{t.name: tf.constant(feeds[t.name], dtype=t.dtype) for t in inputs})
        return [result[t.name].numpy() for t in outputs]

    # `loaded` must stay alive: the signature function holds only a weak
    # reference to the variables it captures.
    return SourceRunner(inputs, outputs, "saved_model", call, lambda: loaded)


def _signature_names(model: LoadedModel, key: Optional[str]) -> set:
    """The input and output keys of a TF1 SavedModel's signature, from its MetaGraph."""
    signatures = model.meta_graph.signature_def if model.meta_graph is not None else {}
    signature = signatures.get(key or SERVING_SIGNATURE)
    if signature is None and len(signatures) == 1:
        signature = next(iter(signatures.values()))
    return set(signature.inputs) | set(signature.outputs) if signature is not None else set()


def _signature_tensor_names(model: LoadedModel, key: str) -> dict:
    """(direction, signature key) -> graph tensor name, from the MetaGraph."""
    if model.meta_graph is None or key not in model.meta_graph.signature_def:
        return {}
    signature = model.meta_graph.signature_def[key]
    names = {("in", k): v.name for k, v in signature.inputs.items()}
    names.update({("out", k): v.name for k, v in signature.outputs.items()})
    return names


# --- Keras .h5 / .keras ------------------------------------------------------------------------------

def _keras_runner(model: LoadedModel) -> SourceRunner:
    keras_model = keras_loader.keras_model(model)
    inputs = [SourceTensor(keras_name(t), _numpy_dtype(t.dtype), tuple(t.shape)) for t in keras_model.inputs]
    if isinstance(keras_model.output, dict):
        # Dict outputs flatten in sorted key order, as the converter exports them.
        named = sorted(keras_model.output.items())
    else:
        names = getattr(keras_model, "output_names", None) or [keras_name(t) for t in keras_model.outputs]
        named = list(zip(names, keras_model.outputs))
    # The TFLite converter exports Keras outputs under the signature keys
    # output_0, output_1, ... in that order.
    outputs = [SourceTensor(name, _numpy_dtype(t.dtype), tuple(t.shape), aliases=(f"output_{i}",))
               for i, (name, t) in enumerate(named)]
    # Call with the structure the model was built with (one tensor, a list,
    # or a dict), or Keras warns that the structure does not match.
    structure = keras_model.input

    def call(feeds):
        args = {t.name: feeds[t.name].astype(t.dtype, copy=False) for t in inputs}
        if isinstance(structure, dict):
            packed = {key: args[keras_name(t)] for key, t in structure.items()}
        elif isinstance(structure, (list, tuple)):
            packed = [args[t.name] for t in inputs]
        else:
            packed = args[inputs[0].name]
        result = keras_model(packed, training=False)
        if isinstance(result, dict):
            return [np.asarray(result[t.name]) for t in outputs]
        if not isinstance(result, (list, tuple)):
            result = [result]
        return [np.asarray(r) for r in result]

    return SourceRunner(inputs, outputs, "keras", call, keras_model=keras_model)


def keras_name(tensor) -> str:
    return strip_index(tensor.name.split("/")[0]) if "/" in tensor.name else strip_index(tensor.name)


def _numpy_dtype(dtype) -> np.dtype:
    """A Keras 3 dtype name or a tf_keras tf.DType as numpy's."""
    return np.dtype(getattr(dtype, "as_numpy_dtype", dtype))
