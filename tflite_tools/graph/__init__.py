"""GraphDef work without TensorFlow: surgery (prune, cut at a tensor),
TensorFlow's execution order, static output shapes, and the analysis that
finds a graph's inputs, outputs, variables and input-pipeline cut points.
"""
