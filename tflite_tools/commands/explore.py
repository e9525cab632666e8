"""`tflite-tools explore MODEL [--tflite OUT.tflite]`: Google AI Edge Model
Explorer on the model's .tflite, with op support (builtin / select TF /
custom / unsupported, from a trial conversion) and parameters per node as
node-data overlays (with --layers, each layer's SNR and max error against
TensorFlow too). --no_browser prints the loopback URL instead of opening
a browser; --overlay_only FILE writes the overlays for your own Model
Explorer and serves nothing. Model Explorer: pip install 'tflite-tools[explore]'.
"""

from __future__ import annotations

import argparse
import os
import tempfile

from tflite_tools.commands.convert import add_conversion_flags, conversion_options


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="any artifact `inspect` recognises, or a .tflite")
    parser.add_argument("--tflite", default="", help="keep the converted .tflite here")
    parser.add_argument("--no_browser", action="store_true", help="print the URL, open no browser")
    parser.add_argument("--port", type=int, default=8080, help="loopback port (default 8080, or the next free)")
    parser.add_argument("--overlay_only", default="", metavar="FILE",
                        help="write the overlays as Model Explorer node data (FILE: op support, "
                             "FILE's stem + .parameters.json: parameters, + .layer_snr_db.json and "
                             ".layer_max_abs_error.json with --layers) and serve nothing")
    parser.add_argument("--layers", action="store_true",
                        help="verify layer by layer too: each layer's SNR and max error as overlays")
    add_conversion_flags(parser)


def run(args):
    from tflite_tools.core import fileio
    from tflite_tools.explore import explorer

    if not args.overlay_only:
        explorer.require_model_explorer()
    with tempfile.TemporaryDirectory(prefix="tflite-tools-explore-") as tmp:
        tflite = args.tflite or os.path.join(tmp, "model.tflite")
        shown, node_data = explorer.prepare(args.model, tflite, layers=args.layers,
                                            **conversion_options(args))
        if args.overlay_only:
            for name, data in node_data.items():
                path = _overlay_path(args.overlay_only, name)
                fileio.write_atomic(path, explorer.overlay_json(data))
                args.progress.write(f"Wrote {path}\n")
            return
        args.progress.write(f"Model Explorer on {shown} with overlays: {', '.join(node_data)}\n")
        explorer.serve(shown, node_data, args.port, open_browser=not args.no_browser)


def _overlay_path(path: str, name: str) -> str:
    """FILE for the first overlay (op support); FILE's stem + .parameters.json,
    .layer_snr_db.json, ... for the others."""
    if name == "op support":
        return path
    return f"{path.removesuffix('.json')}.{name.replace(' ', '_')}.json"
