"""Run a model: the TensorFlow source (graph in a Session, SavedModel
signature, Keras model) and the .tflite (LiteRT interpreter), each as a
callable from named numpy inputs to named numpy outputs. verify and
benchmark both run models through here.
"""
