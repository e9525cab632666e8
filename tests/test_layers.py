"""The package's layers only point down (docs/architecture.md).

Every `import` in tflite_tools is read from the source, wherever it sits (a
function-level import is still a dependency), and must form no circle: not
between modules, and not between the subpackages and root modules that are
the layers. The packages on the fast paths (`inspect`/`summarize` of a graph,
log parsing) must not import TensorFlow when they are imported.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(REPO, "tflite_tools")
HEAVY = ("tensorflow", "keras", "tf_keras")
# Imported by `inspect` and `summarize` of graphs, SavedModels and .tflite, and by `parse`.
FAST_PATH_PACKAGES = ("core", "graph", "formats", "summarize_graph", "parsers")


def _modules() -> dict[str, str]:
    """Dotted module name -> file path, for every module of the package."""
    found = {}
    for directory, _, files in os.walk(PACKAGE):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(directory, name)
                dotted = os.path.relpath(path, REPO)[:-3].replace(os.sep, ".")
                found[dotted.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str:
    """The module an import of `name` loads: itself, or its longest known prefix
    (`from pkg.mod import function` reaches pkg.mod.function -> pkg.mod)."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def _imports(path: str, top_level_only: bool = False) -> set[str]:
    """Names imported by the file: module names, or for `from X import Y`, X.Y.

    top_level_only: only the statements that run when the module is imported
    (module body, and its top-level if/try blocks), not those inside functions.
    """
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    if top_level_only:
        nodes, queue = [], list(tree.body)
        while queue:
            node = queue.pop()
            nodes.append(node)
            if isinstance(node, (ast.If, ast.Try)):
                queue.extend(node.body + node.orelse + getattr(node, "finalbody", [])
                             + [s for h in getattr(node, "handlers", []) for s in h.body])
    else:
        nodes = list(ast.walk(tree))
    names = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _module_graph() -> dict[str, set[str]]:
    graph = {}
    for module, path in MODULES.items():
        targets = {_resolve(name) for name in _imports(path) if name.split(".")[0] == "tflite_tools"}
        graph[module] = {t for t in targets if t in MODULES and t != module}
    return graph


def _layer(module: str) -> str:
    """The subpackage (tflite_tools.convert) or root module (tflite_tools.cli) holding `module`."""
    return ".".join(module.split(".")[:2])


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph)))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _edges_within(graph, component) -> list[str]:
    members = set(component)
    return sorted(f"{a} -> {b}" for a in component for b in graph[a] if b in members)


def test_the_package_is_read_whole():
    # Guards the tests below against reading nothing.
    assert len(MODULES) > 60 and "tflite_tools.convert.conversion" in MODULES
    graph = _module_graph()
    assert "tflite_tools.formats.detect" in graph["tflite_tools.formats.loaders"]


def test_no_module_imports_itself_back():
    graph = _module_graph()
    cycles = _cycles(graph)
    assert cycles == [], "import circles between modules:\n" + "\n".join(
        "  " + "; ".join(_edges_within(graph, c)) for c in cycles)


def test_layers_only_point_down():
    layers: dict[str, set[str]] = {}
    for module, targets in _module_graph().items():
        layers.setdefault(_layer(module), set()).update(_layer(t) for t in targets if _layer(t) != _layer(module))
    cycles = _cycles(layers)
    assert cycles == [], "subpackages that import each other (move the shared code down a layer):\n" + \
        "\n".join("  " + "; ".join(_edges_within(layers, c)) for c in cycles)


def test_the_cycle_finder_finds_a_cycle():
    # A circle through three nodes and a self-contained tail.
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def _heavy_imports_at_load(module: str, seen=None) -> list[str]:
    """Chains `module -> ... -> tensorflow` made of imports that run at import time."""
    seen = set() if seen is None else seen
    if module in seen:
        return []
    seen.add(module)
    chains = []
    for name in _imports(MODULES[module], top_level_only=True):
        if name.split(".")[0] in HEAVY:
            chains.append(f"{module} -> {name}")
        elif name.split(".")[0] == "tflite_tools":
            target = _resolve(name)
            if target in MODULES:
                chains.extend(f"{module} -> {chain}" for chain in _heavy_imports_at_load(target, seen))
            # Importing a.b.c runs the __init__ of a.b too.
            parent = target.rsplit(".", 1)[0]
            if parent in MODULES and parent != "tflite_tools":
                chains.extend(f"{module} -> {chain}" for chain in _heavy_imports_at_load(parent, seen))
    return chains


def _fast_path_modules() -> list[str]:
    return sorted(m for m in MODULES if m.split(".")[1:2] and m.split(".")[1] in FAST_PATH_PACKAGES)


def test_fast_path_packages_do_not_import_tensorflow_when_loaded():
    offenders = [chain for module in _fast_path_modules() for chain in _heavy_imports_at_load(module)]
    assert offenders == [], "import TensorFlow inside the function that needs it:\n" + "\n".join(offenders)


def test_the_heavy_import_finder_sees_a_top_level_import(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("import os\ntry:\n    import tensorflow as tf\nexcept ImportError:\n    pass\n"
                    "def f():\n    import keras\n")
    assert _imports(str(path), top_level_only=True) == {"os", "tensorflow"}
    assert _imports(str(path)) == {"os", "tensorflow", "keras"}


def test_loading_every_fast_path_module_leaves_tensorflow_unloaded():
    script = ("import importlib, sys\n"
              f"for name in {_fast_path_modules()!r}:\n"
              "    importlib.import_module(name)\n"
              f"loaded = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})\n"
              "assert not loaded, loaded[:5]\n")
    subprocess.run([sys.executable, "-c", script], check=True, cwd=REPO)
