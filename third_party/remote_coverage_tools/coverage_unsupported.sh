#!/bin/sh
echo "bazel coverage needs the real @remote_coverage_tools; this offline stand-in only lets 'bazel test' run." >&2
exit 1
