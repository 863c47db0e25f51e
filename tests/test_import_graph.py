"""No import cycle inside ``chalicelib``, not even through imports made inside a function.

An import inside a function still ties two modules together (each needs the other to work), so
the graph counts every ``import`` statement except those under ``if TYPE_CHECKING:``, which
never run. The layers this keeps honest: entry points (``api/``, ``inbound/consumer.py``,
``schedules.py``) -> the composition root (``root.py``) -> adapters and repositories ->
the domain and the platform.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "chalicelib"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(tree: ast.AST, current: str, is_package: bool) -> set[str]:
    """Every module name an executed import statement of ``tree`` names (targets included)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = current.split(".") if is_package else current.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, base] if base else package)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the ``chalicelib`` modules it imports."""
    files = {_module_name(path): path for path in (ROOT / PACKAGE).rglob("*.py") if path.is_file()}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets = _imported(tree, name, path.name == "__init__.py")
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_chalicelib_has_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_sees_a_cycle_through_function_level_imports():
    source = "def f():\n    from chalicelib.b import x\n"
    graph = {
        "chalicelib.a": {
            t for t in _imported(ast.parse(source), "chalicelib.a", False) if t == "chalicelib.b"
        },
        "chalicelib.b": {"chalicelib.a"},
    }
    assert find_cycle(graph) == ["chalicelib.a", "chalicelib.b", "chalicelib.a"]


def test_imports_only_for_the_type_checker_do_not_count():
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import chalicelib.b\n"
    assert "chalicelib.b" not in _imported(ast.parse(source), "chalicelib.a", False)
