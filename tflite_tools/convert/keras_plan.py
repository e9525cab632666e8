"""The plans for Keras: a `.h5`/`.keras` file or a live keras.Model goes to
`from_keras_model`.

Files are loaded with the Keras that wrote them (tf_keras for legacy .h5,
Keras 3 for .keras: runners.keras_loader, as verify and benchmark do), refusing files whose
loading runs code unless `--unsafe_deserialization`. `--input_shapes` calls
the model on new fixed-shape Keras inputs.
"""

from __future__ import annotations

import importlib

from tflite_tools.convert import converter_api
from tflite_tools.convert.job import Job
from tflite_tools.errors import UsageError
from tflite_tools.model import LoadedModel
from tflite_tools.runners import keras_loader


def file_plan(job: Job, model: LoadedModel, path: str) -> converter_api.Plan:
    """The Keras file at `path` (its config in `model`), loaded and planned."""
    if job.input_arrays or job.output_arrays:
        raise UsageError("a Keras model's inputs and outputs are its own; --input_arrays/--output_arrays "
                         "do not apply (convert a frozen graph to choose tensors).")
    unsafe = converter_api.unsafe_keras_layers(model.keras_config or {})
    if unsafe and not job.options.unsafe_deserialization:
        raise UsageError(f"'{path}' has {', '.join(unsafe)}: loading it runs code stored in or imported "
                         "by the file; pass --unsafe_deserialization only if you trust it.")
    keras_model = keras_loader.keras_model(model, job.options.unsafe_deserialization)
    package = type(keras_model).__module__.split(".")[0]
    job.report.steps.append(f"loaded with {package} {importlib.import_module(package).__version__} "
                            "(compile=False)")
    return model_plan(job, keras_model)


def model_plan(job: Job, keras_model) -> converter_api.Plan:
    """A keras.Model (Keras 3 or tf_keras) in memory."""
    inputs = list(keras_model.inputs)
    job.rep_names = [t.name for t in inputs]
    job.rep_shapes = [[-1 if d is None else d for d in t.shape] for t in inputs]
    job.rep_dtypes = [str(getattr(t.dtype, "name", t.dtype)) for t in inputs]
    if not job.input_shapes:
        return converter_api.from_keras_model(keras_model)
    shapes = job.shapes_for(job.rep_names)
    job.rep_shapes = shapes
    job.report.steps.append("fixed input shapes by calling the model on new fixed-shape Keras inputs")
    return converter_api.from_keras_model(converter_api.with_fixed_shapes(keras_model, shapes, job.rep_dtypes))
