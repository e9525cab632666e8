"""The plans for SavedModels: the SavedModel converters on a signature.

    plan = saved_model_plan.plan_v2(job, model, directory)

TF1 SavedModels (builder-made) go to the V1 SavedModel converter as they are
(a TF1 SavedModel cut by name goes through graph_plan instead). TF2
SavedModels go to `from_saved_model`; `--input_shapes` goes through a
concrete function of the signature with fixed input specs. The signature is
read without TensorFlow, for the representative dataset and verify.
"""

from __future__ import annotations

from tflite_tools.convert import converter_api
from tflite_tools.convert.job import Job
from tflite_tools.core import dtypes
from tflite_tools.core.versions import release
from tflite_tools.errors import UsageError, unknown_name_error
from tflite_tools.formats.saved_model import SERVING_SIGNATURE, meta_graph_for_tags, saves_a_keras3_model
from tflite_tools.model import LoadedModel


def plan_v1(job: Job, model: LoadedModel, directory: str) -> converter_api.Plan:
    """A TF1 SavedModel at `directory`, converted on its signature."""
    _signature_inputs(job, _signature(job, model))
    return converter_api.from_saved_model_v1(directory, list(job.options.saved_model_tags),
                                             job.options.signature_key)


def plan_v2(job: Job, model: LoadedModel, directory: str) -> converter_api.Plan:
    """A TF2 SavedModel at `directory`, converted on its signature (shapes fixed if given)."""
    if job.input_arrays or job.output_arrays:
        raise UsageError("a TF2 SavedModel's inputs and outputs come from its signature; choose it "
                         "with --signature_key instead of --input_arrays/--output_arrays.")
    _signature_inputs(job, _signature(job, model))
    job.rep_as_dict = True
    meta = meta_graph_for_tags(model.saved_model, job.options.saved_model_tags)
    if not job.input_shapes and saves_a_keras3_model(meta) and (release(converter_api.tf_version()) or (0, 0)) < (2, 18):
        job.report.steps.append(f"TensorFlow {converter_api.tf_version()}'s from_saved_model aborts the process "
                                "on a Keras 3 model saved with tf.saved_model.save; converted the "
                                "signature's concrete function instead")
        return _concrete_plan(job, directory)
    if not job.input_shapes:
        plan = converter_api.from_saved_model(directory, list(job.options.saved_model_tags),
                                              job.options.signature_key)
        plan.fallback = lambda: _concrete_plan(job, directory)
        return plan
    job.report.steps.append("fixed input shapes through a concrete function")
    return _concrete_plan(job, directory)


def _concrete_plan(job: Job, directory: str) -> converter_api.Plan:
    """The signature loaded in TensorFlow and converted as a concrete function
    (its input shapes fixed by --input_shapes, when given)."""
    tf = converter_api.tensorflow()
    loaded = tf.saved_model.load(directory, tags=list(job.options.saved_model_tags))
    function = loaded.signatures[job.options.signature_key]
    specs = function.structured_input_signature[1]
    names = sorted(specs)
    shapes = job.shapes_for(names)
    fixed = {n: tf.TensorSpec(specs[n].shape if s is None else s, specs[n].dtype, name=n)
             for n, s in zip(names, shapes)}
    concrete = tf.function(lambda **kw: function(**kw)).get_concrete_function(**fixed)
    return converter_api.from_concrete_functions([concrete], loaded)


def _signature(job: Job, model: LoadedModel):
    """The chosen SignatureDef (`job.options.signature_key` is set to its key)."""
    meta = meta_graph_for_tags(model.saved_model, job.options.saved_model_tags)
    signatures = meta.signature_def
    key = job.options.signature_key or (SERVING_SIGNATURE if SERVING_SIGNATURE in signatures or
                                         len(signatures) != 1 else next(iter(signatures)))
    if key not in signatures:
        raise unknown_name_error("signature", key, [k for k in signatures if not k.startswith("__")],
                                 "--signature_key")
    job.options.signature_key = key
    return signatures[key]


def _signature_inputs(job: Job, signature) -> None:
    """Representative-data names, shapes and dtypes from a SignatureDef (sorted by key, as TFLite does)."""
    job.rep_names = sorted(signature.inputs)
    infos = [signature.inputs[k] for k in job.rep_names]
    job.rep_shapes = [[d.size for d in i.tensor_shape.dim] for i in infos]
    job.rep_dtypes = [dtypes.python_name(i.dtype) for i in infos]
