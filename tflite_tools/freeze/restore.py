"""The TensorFlow half of freeze: restore a checkpoint into the graph in a
Session and turn the variables the outputs need into Const nodes.

Everything here imports TensorFlow; freeze_graph.py decides what to restore.
"""

from __future__ import annotations

import re

from tflite_tools.core.lazy_tf import tensorflow
from tflite_tools.errors import InputError


def variables_to_constants(graph_def, saver_def, checkpoint, saved_model_dir, tags, outputs, needed_variables,
                           initializer_nodes, allowlist, denylist, checkpoint_version, clear_devices):
    """Restore the variables in a Session and turn them into constants (TensorFlow)."""
    tf = tensorflow()
    tf_graph_def = tf.compat.v1.GraphDef.FromString(graph_def.SerializeToString())
    if clear_devices:  # on TensorFlow's copy: the caller's graph stays as it was
        for node in tf_graph_def.node:
            node.device = ""
    graph = tf.Graph()
    with graph.as_default(), tf.compat.v1.Session(graph=graph) as sess:
        try:
            if saved_model_dir:
                tf.compat.v1.saved_model.loader.load(sess, tags, saved_model_dir)
            else:
                tf.graph_util.import_graph_def(tf_graph_def, name="")
                if saver_def is not None:
                    version = (tf.compat.v1.train.SaverDef.V1 if checkpoint_version == 1
                               else tf.compat.v1.train.SaverDef.V2)
                    saver = tf.compat.v1.train.Saver(
                        saver_def=tf.compat.v1.train.SaverDef.FromString(saver_def.SerializeToString()),
                        write_version=version)
                    saver.restore(sess, checkpoint)
                else:
                    _restore_by_name(tf, sess, checkpoint, needed_variables)
            if initializer_nodes:
                sess.run(initializer_nodes)
            return tf.compat.v1.graph_util.convert_variables_to_constants(
                sess, tf_graph_def, outputs, variable_names_whitelist=allowlist or None,
                variable_names_blacklist=denylist or None)
        except (tf.errors.OpError, ValueError, KeyError, TypeError) as exc:
            where = saved_model_dir or checkpoint
            raise InputError(f"cannot restore the variables of '{where}' into the graph: "
                             f"{_first_line(exc)}; check that the checkpoint was written by this "
                             "graph.") from exc


def _restore_by_name(tf, sess, checkpoint, variables):
    """Load each variable from the checkpoint entry of the same name.

    freeze_graph.py builds `Saver(var_list={name: graph tensor})`, which TF 2.x
    rejects for resource variables; assigning through each variable's own
    handle works for VariableV2 and VarHandleOp alike.
    """
    reader = tf.train.load_checkpoint(checkpoint)
    available = reader.get_variable_to_dtype_map()
    missing = [v for v in variables if v not in available]
    if any(re.search(r"/part_\d+$", name) for name in missing):
        raise InputError("Models containing partition variables cannot be converted from checkpoint files; "
                         "pass the MetaGraph (--input_meta_graph) or a SavedModel (--input_saved_model_dir).")
    if missing:
        raise InputError(f"the checkpoint '{checkpoint}' has no values for {', '.join(missing[:5])}"
                         f"{' ...' if len(missing) > 5 else ''}; pass the checkpoint written by this graph.")
    graph = sess.graph
    assigns, feeds = [], {}
    for name in variables:
        op = graph.get_operation_by_name(name)
        value = reader.get_tensor(name)
        placeholder = tf.compat.v1.placeholder(op.outputs[0].dtype.base_dtype if op.type != "VarHandleOp"
                                               else op.get_attr("dtype"), value.shape)
        if op.type == "VarHandleOp":
            assigns.append(tf.raw_ops.AssignVariableOp(resource=op.outputs[0], value=placeholder))
        else:
            assigns.append(tf.compat.v1.assign(op.outputs[0], placeholder, validate_shape=True))
        feeds[placeholder] = value
    sess.run(assigns, feeds)


def _first_line(exc) -> str:
    text = str(getattr(exc, "message", "") or exc).strip()
    return text.splitlines()[0].rstrip(".") if text else type(exc).__name__
