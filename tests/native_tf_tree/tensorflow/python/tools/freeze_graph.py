"""Stand-in for tensorflow/python/tools:freeze_graph (see BUILD).

Runs the installed TensorFlow's own freeze_graph with the same flags. The
checks that TF 1.x-2.x printed to stdout before returning, so that the
process exited 0 with no output file, are replayed that way here: TF 2.21
raises for them instead, and wrappers must handle the older behaviour.
"""

import sys

# Messages that TF 1.x-2.x printed (then returned -1, exit status 0).
_PRINTED_THEN_EXIT_0 = ("doesn't exist!", "does not exist!", "You need to supply the name of a node")


def main():
    from tensorflow.python.tools import freeze_graph  # the wheel's own tool

    try:
        freeze_graph.run_main()
    except (ValueError, IOError) as err:
        if not any(text in str(err) for text in _PRINTED_THEN_EXIT_0):
            raise
        print(str(err))
        sys.exit(0)


if __name__ == "__main__":
    main()
