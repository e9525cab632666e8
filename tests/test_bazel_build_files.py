"""tflite_tools/BUILD stays true to the code, without running Bazel.

The BUILD file is evaluated as Python with stand-ins for the Bazel functions
it calls: every module must belong to a py_library, and each library's
`tflite_tools.*` imports must be its own files or its direct deps (a missing
dep would only show as an ImportError under `bazel run`).
"""

from __future__ import annotations

import ast
import glob as globlib
import os

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(REPO, "tflite_tools")
# Not meant for Bazel: `python -m tflite_tools` and the dev-only proto generator.
OUTSIDE_BAZEL = {"__main__.py", "proto/generate.py"}


def _subpackage_of(path: str) -> bool:
    directory = os.path.dirname(os.path.join(PACKAGE, path))
    while directory != PACKAGE:
        if os.path.exists(os.path.join(directory, "BUILD")):
            return True
        directory = os.path.dirname(directory)
    return False


def _glob(include, exclude=()):
    found = set()
    for pattern in include:
        found.update(os.path.relpath(p, PACKAGE)
                     for p in globlib.glob(os.path.join(PACKAGE, pattern), recursive=True)
                     if os.path.isfile(p))
    for pattern in exclude:
        found.difference_update(os.path.relpath(p, PACKAGE)
                                for p in globlib.glob(os.path.join(PACKAGE, pattern), recursive=True))
    return sorted(p for p in found if not _subpackage_of(p))


def _libraries() -> dict[str, dict]:
    libraries = {}

    def py_library(name, srcs=(), deps=(), **_):
        libraries[name] = {"srcs": list(srcs), "deps": [d.lstrip(":") for d in deps]}

    def ignore(*_, **__):
        pass

    with open(os.path.join(PACKAGE, "BUILD"), encoding="utf-8") as handle:
        exec(handle.read(), {"load": ignore, "package": ignore, "exports_files": ignore,
                             "glob": _glob, "py_library": py_library,
                             "tflite_tools_command": ignore})
    return libraries


def _module_of(path: str) -> str:
    module = "tflite_tools." + path[:-3].replace("/", ".")
    return module[:-len(".__init__")] if module.endswith(".__init__") else module


def _imported_modules(path: str, known: set[str]) -> set[str]:
    with open(os.path.join(PACKAGE, path), encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from pkg import module` needs the module; `from module import name`, the module.
            submodules = [f"{node.module}.{alias.name}" for alias in node.names]
            names = [m for m in submodules if m in known] or [node.module]
        else:
            continue
        modules.update(name for name in names if name in known)
    return modules


def test_every_module_is_in_exactly_one_library():
    owners: dict[str, list[str]] = {}
    for name, library in _libraries().items():
        for src in library["srcs"]:
            owners.setdefault(src, []).append(name)
    modules = set(_glob(["**/*.py"])) - OUTSIDE_BAZEL
    assert sorted(m for m in modules if m not in owners) == [], "add these to a py_library in tflite_tools/BUILD"
    assert {m: o for m, o in owners.items() if len(o) > 1} == {}


def test_each_library_declares_what_its_modules_import():
    libraries = _libraries()
    owner = {_module_of(src): name for name, lib in libraries.items() for src in lib["srcs"]}
    missing = {}
    for name, library in libraries.items():
        allowed = {name, *library["deps"]}
        for src in library["srcs"]:
            for module in _imported_modules(src, set(owner)):
                if owner[module] not in allowed:
                    missing.setdefault(name, set()).add(owner[module])
    assert missing == {}, "add these deps in tflite_tools/BUILD"
