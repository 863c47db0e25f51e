"""The conversation package stays pure and acyclic: flows plug in without import loops."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "chalicelib" / "conversation"
# zalo.limits is constants only (Zalo's message limits, one place for the whole system).
ALLOWED_OUTSIDE = ("chalicelib.domain", "chalicelib.zalo.limits")


def _module_imports() -> dict[str, set[str]]:
    """Module -> the chalicelib modules it imports when loaded (top-level statements)."""
    modules: dict[str, Path] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parents[1]).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
        graph[name] = {m for m in found if m.startswith("chalicelib") and m != name}
    return graph


def test_the_conversation_imports_only_itself_and_the_domain() -> None:
    for name, imported in _module_imports().items():
        outside = {m for m in imported if not m.startswith("chalicelib.conversation")}
        assert all(m.startswith(ALLOWED_OUTSIDE) for m in outside), (name, outside)


def test_the_conversation_has_no_import_cycle() -> None:
    graph = _module_imports()
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, " -> ".join((*path, name))
        if name in done:
            return
        for imported in graph.get(name, ()):
            if imported in graph:
                visit(imported, (*path, name))
        done.add(name)

    for name in graph:
        visit(name, ())
