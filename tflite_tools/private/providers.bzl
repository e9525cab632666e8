"""Providers of tflite-tools' rules."""

TfliteModelInfo = provider(
    doc = "A .tflite made by `tflite_model`, with the TensorFlow model it came from.",
    fields = {
        "tflite": "File: the converted .tflite.",
        "report": "File: the conversion report (JSON, ConversionReport fields).",
        "source_files": "depset of File: everything the TensorFlow model needs to load " +
                        "(for verification against TensorFlow).",
        "source_short_path": "string: the model's path in runfiles (a file, or a SavedModel " +
                             "directory).",
        "cli_options": "list of string: the conversion's shape and array flags, which " +
                       "`verify` and `benchmark` need to feed the TensorFlow model the same way.",
    },
)
