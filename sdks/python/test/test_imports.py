"""The SDK's modules import one another without cycles (type-only imports included), so
each can be read, and changed, after the ones it depends on."""

from __future__ import annotations

import ast
from pathlib import Path

import distlock

PACKAGE = Path(distlock.__file__).parent


def _imports(path: Path) -> set[str]:
    """Returns the SDK modules ``path`` imports, by module name (``_lease``...)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found


def test_no_import_cycles() -> None:
    graph = {p.stem: _imports(p) for p in PACKAGE.glob("*.py")}
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        assert module not in path, "import cycle: " + " -> ".join([*path, module])
        if module in done or module not in graph:
            return
        for imported in sorted(graph[module]):
            visit(imported, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
