"""The plans for live objects: a tf.compat.v1.Session (with its input and
output tensors), a keras.Model, a tf.Module with a signature'd tf.function,
or a concrete function.

    plan = live_plan.plan(job, sess)   # fills job.report.source and TF version too
"""

from __future__ import annotations

from tflite_tools.convert import converter_api, keras_plan
from tflite_tools.convert.job import Job
from tflite_tools.errors import UsageError, unknown_name_error
from tflite_tools.proto import common_pb2


def plan(job: Job, source) -> converter_api.Plan:
    """The plan for `source`; UsageError for an object of no kind above."""
    tf = converter_api.tensorflow()
    job.report.tensorflow_version = tf.__version__
    kind = type(source).__module__ + "." + type(source).__qualname__
    job.report.source.CopyFrom(common_pb2.Source(path=f"<{kind}>", format=_live_format(tf, source)))
    if isinstance(source, tf.compat.v1.Session):
        return _session_plan(job, source)
    if _is_keras_model(source):
        return keras_plan.model_plan(job, source)
    if hasattr(source, "structured_input_signature") and hasattr(source, "graph"):
        return converter_api.from_concrete_functions([source])
    if isinstance(source, tf.Module):
        return converter_api.from_concrete_functions([_module_function(source)], source)
    raise UsageError(f"cannot convert a {kind}; pass a path, a tf.compat.v1.Session, a keras.Model, "
                     "a tf.Module or a concrete function.")


def _live_format(tf, source) -> str:
    if isinstance(source, tf.compat.v1.Session):
        return "SESSION"
    if _is_keras_model(source):
        return "KERAS_MODEL"
    if hasattr(source, "structured_input_signature"):
        return "CONCRETE_FUNCTION"
    return "TF_MODULE"


def _is_keras_model(source) -> bool:
    return any(c.__name__ == "Model" and c.__module__.split(".")[0] in ("keras", "tf_keras")
               for c in type(source).__mro__)


def _session_plan(job: Job, sess):
    if not job.input_arrays or not job.output_arrays:
        raise UsageError("converting a Session needs its input and output tensors (or names): pass "
                         "input_arrays=[...] and output_arrays=[...].")
    graph = sess.graph

    def tensors(items, kind, flag):
        found = []
        for item in items:
            if not isinstance(item, str):
                found.append(item)
                continue
            try:
                found.append(graph.get_tensor_by_name(item if ":" in item else item + ":0"))
            except (KeyError, ValueError):
                raise unknown_name_error(kind, item, [op.name for op in graph.get_operations()],
                                         flag) from None
        return found

    inputs = tensors(job.input_arrays, "input", "input_arrays")
    outputs = tensors(job.output_arrays, "output", "output_arrays")
    for tensor, shape in zip(inputs, job.input_shapes or []):
        tensor.set_shape(shape)
    job.rep_names = [t.op.name for t in inputs]
    job.rep_shapes = [[-1 if d is None else d for d in t.shape.as_list()] for t in inputs]
    job.rep_dtypes = [t.dtype.name for t in inputs]
    return converter_api.from_session(sess, inputs, outputs)


def _module_function(module):
    """The concrete function of a tf.Module's tf.function that has an input signature."""
    for attribute in ("__call__", "serve", "serving_default", "call"):
        function = getattr(module, attribute, None)
        if getattr(function, "input_signature", None):
            return function.get_concrete_function()
    raise UsageError("the tf.Module has no tf.function with an input_signature (looked at __call__, "
                     "serve, call); decorate one with @tf.function(input_signature=[...]).")

