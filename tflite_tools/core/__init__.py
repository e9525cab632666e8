"""The bottom layer every job builds on: atomic file writes, the lazy
TensorFlow import, TF's dtype names, tensor-name and shape-flag helpers.

Nothing here imports another tflite-tools package (but `errors`), and
nothing imports TensorFlow at module level.
"""
