"""The README demo: a classic TF1 training directory, taken to a .tflite.

`build_training_run(directory)` writes what a slim/MobileNet-style training
job leaves behind: a tiny MobileNet-like network fed by a `tf.data` iterator
(no input Placeholder), trained for a few steps with a `tf.compat.v1.train.Saver`,
so the directory holds `checkpoint`, `model.ckpt-N.{index,data-*,meta}` and
`graph.pbtxt`. The network weights are random: the demo needs nothing from
the internet.
"""

from __future__ import annotations

import os

from tflite_tools.core.lazy_tf import tensorflow

IMAGE_SIZE = 32
NUM_CLASSES = 5
TRAIN_STEPS = 3


def _network(tf, images):
    """Conv -> depthwise-separable block -> global pool -> logits."""
    v1 = tf.compat.v1
    init = v1.initializers.glorot_uniform(seed=1)

    def weight(name, shape):
        return v1.get_variable(name, shape, initializer=init)

    x = tf.nn.relu6(tf.nn.conv2d(images, weight("conv0/weights", [3, 3, 3, 8]), 2, "SAME"))
    x = tf.nn.depthwise_conv2d(x, weight("dw1/depthwise_weights", [3, 3, 8, 1]), [1, 1, 1, 1], "SAME")
    x = tf.nn.relu6(x)
    x = tf.nn.relu6(tf.nn.conv2d(x, weight("pw1/weights", [1, 1, 8, 16]), 1, "SAME"))
    x = tf.reduce_mean(x, axis=[1, 2], name="global_pool")
    logits = tf.add(tf.matmul(x, weight("logits/weights", [16, NUM_CLASSES])),
                    weight("logits/biases", [NUM_CLASSES]), name="logits")
    return tf.nn.softmax(logits, name="predictions"), logits


def build_training_run(directory: str) -> str:
    """Train the demo network for a few steps; return the checkpoint directory."""
    tf = tensorflow()
    v1 = tf.compat.v1
    os.makedirs(directory, exist_ok=True)
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(0)
        images = tf.random.stateless_uniform([64, IMAGE_SIZE, IMAGE_SIZE, 3], seed=[1, 2])
        labels = tf.random.stateless_uniform([64], seed=[3, 4], maxval=NUM_CLASSES, dtype=tf.int32)
        dataset = tf.data.Dataset.from_tensor_slices((images, labels)).repeat().batch(1)
        batch_images, batch_labels = v1.data.make_one_shot_iterator(dataset).get_next()
        _, logits = _network(tf, batch_images)
        loss = v1.losses.sparse_softmax_cross_entropy(batch_labels, logits)
        step = v1.train.get_or_create_global_step()
        train_op = v1.train.GradientDescentOptimizer(0.01).minimize(loss, global_step=step)
        saver = v1.train.Saver()
        with v1.Session(graph=graph) as sess:
            sess.run(v1.global_variables_initializer())
            for _ in range(TRAIN_STEPS):
                sess.run(train_op)
            saver.save(sess, os.path.join(directory, "model.ckpt"), global_step=step)
        v1.train.write_graph(graph.as_graph_def(), directory, "graph.pbtxt", as_text=True)
    return directory
