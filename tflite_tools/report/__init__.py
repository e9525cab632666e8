"""`report`: one self-contained HTML page of a model, its conversion,
verification, quantization sweep and benchmark.

    >>> from tflite_tools.report import report
    >>> result = report("train_dir", "report.html", verify=True, input_arrays=["IteratorGetNext:0"])
"""

from tflite_tools.report.gather import report
from tflite_tools.report.page import write_page

__all__ = ["report", "write_page"]
