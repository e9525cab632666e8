"""The BUILD files under tflite_tools/ stay true to the code, without running Bazel.

Each BUILD file is evaluated as Python with stand-ins for the Bazel functions
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


def _bazel_package_of(path: str) -> str:
    """The folder (relative to tflite_tools/) of the nearest BUILD file above `path`."""
    directory = os.path.dirname(path)
    while directory and not os.path.exists(os.path.join(PACKAGE, directory, "BUILD")):
        directory = os.path.dirname(directory)
    return directory


def _glob_in(folder: str):
    def glob(include, exclude=()):
        base = os.path.join(PACKAGE, folder)
        found = set()
        for pattern in include:
            found.update(os.path.relpath(p, PACKAGE) for p in globlib.glob(os.path.join(base, pattern), recursive=True)
                         if os.path.isfile(p))
        for pattern in exclude:
            found.difference_update(os.path.relpath(p, PACKAGE)
                                    for p in globlib.glob(os.path.join(base, pattern), recursive=True))
        # Bazel's glob stops at subpackages (folders with their own BUILD file).
        return sorted(p for p in found if _bazel_package_of(p) == folder)
    return glob


def _label(folder: str, dep: str) -> str:
    """A dep as a full label: ":x" in folder f -> //tflite_tools/f:x; //a/b -> //a/b:b."""
    if dep.startswith(":"):
        dep = "//" + os.path.join("tflite_tools", folder).rstrip("/") + dep
    if ":" not in dep:
        dep += ":" + dep.rsplit("/", 1)[-1]
    return dep


def _libraries() -> dict[str, dict]:
    """Label -> {"srcs": paths relative to tflite_tools/, "deps": labels}, over every BUILD file."""
    libraries = {}
    for build in sorted(globlib.glob(os.path.join(PACKAGE, "**", "BUILD"), recursive=True)):
        folder = os.path.relpath(os.path.dirname(build), PACKAGE)
        folder = "" if folder == "." else folder

        def py_library(name, srcs=(), deps=(), folder=folder, **_):
            srcs = [s if s.startswith(folder) and folder else os.path.join(folder, s) for s in srcs]
            libraries[_label(folder, ":" + name)] = {"srcs": srcs, "deps": [_label(folder, d) for d in deps]}

        def ignore(*_, **__):
            pass

        with open(build, encoding="utf-8") as handle:
            exec(handle.read(), {"load": ignore, "package": ignore, "exports_files": ignore,
                                 "glob": _glob_in(folder), "py_library": py_library,
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
    modules = {os.path.relpath(p, PACKAGE) for p in globlib.glob(os.path.join(PACKAGE, "**", "*.py"), recursive=True)}
    modules -= OUTSIDE_BAZEL
    assert sorted(m for m in modules if m not in owners) == [], "add these to a py_library in a BUILD file under tflite_tools/"
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
    assert missing == {}, "add these deps in the BUILD files under tflite_tools/"
