"""`explore`: Model Explorer on a model's .tflite with our node-data overlays.

    >>> from tflite_tools.explore import prepare, serve
"""

from tflite_tools.explore.explorer import prepare, serve

__all__ = ["prepare", "serve"]
