"""The representative dataset int8/int16x8 quantization calibrates with, from
an .npz: one array per input name, samples on the leading axis (or one
sample per row of a batch), fed in the converter's input order.

    dataset = representative_data.dataset(job)   # a generator function
"""

from __future__ import annotations

from tflite_tools.convert.job import Job
from tflite_tools.core.names import node_name
from tflite_tools.errors import InputError, UsageError, unknown_name_error


def dataset(job: Job):
    """A generator over the .npz samples, in the converter's input order."""
    import numpy as np  # noqa: PLC0415 (only quantizing conversions need it)

    path = job.options.representative_data
    try:
        data = np.load(path)
        arrays = {key: data[key] for key in data.files}
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read --representative_data '{path}': {exc}; pass an .npz written "
                         "by numpy.savez with one array per input name.") from exc
    ordered = []
    for i, name in enumerate(job.rep_names):
        key = _npz_key(name, arrays, len(job.rep_names))
        if key is None:
            raise unknown_name_error("representative data for input", name, list(arrays),
                                     "--representative_data")
        array = arrays[key]
        rank = len(job.rep_shapes[i]) if i < len(job.rep_shapes) else array.ndim - 1
        if array.ndim == rank:
            samples = [array[j:j + 1] for j in range(array.shape[0])]
        elif array.ndim == rank + 1:
            samples = list(array)
        else:
            raise UsageError(f"--representative_data array '{key}' has shape {array.shape}; give "
                             f"[samples, ...] matching the input of rank {rank}.")
        dtype = job.rep_dtypes[i] if i < len(job.rep_dtypes) else "float32"
        ordered.append([np.asarray(s, dtype=dtype) for s in samples])
    count = min(len(s) for s in ordered) if ordered else 0

    def generate():
        for j in range(count):
            if job.rep_as_dict:
                yield {name: ordered[i][j] for i, name in enumerate(job.rep_names)}
            else:
                yield [ordered[i][j] for i in range(len(ordered))]

    return generate


def _npz_key(name, arrays, n_inputs):
    for key in arrays:
        if key == name or node_name(key) == node_name(name):
            return key
    if n_inputs == 1 and len(arrays) == 1:
        return next(iter(arrays))
    return None
