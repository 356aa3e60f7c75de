"""The import graph of rlog_tui has no circle, counting imports under ``TYPE_CHECKING`` too.

A circle that only type checkers follow is still two modules that cannot be understood (or
moved) apart: the templates mixin and the app imported each other that way. The graph is read
from the source with ``ast``, so no module is run and a lazy import inside a function counts.
"""

from __future__ import annotations

import ast
from pathlib import Path

import rlog_tui

PACKAGE = Path(rlog_tui.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, known: set[str]) -> set[str]:
    """rlog_tui modules ``path`` imports (``from pkg import name`` counts a submodule ``name``)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(target for target in targets if target in known)
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    known = {module_name(path) for path in paths}
    return {module_name(path): imports_of(path, known) for path in paths}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of imports (its modules in order, the first repeated at the end), or None.

    A package importing its own submodules (``__init__`` re-exports) is not a circle: a
    submodule importing its package back to reach a sibling is the edge that makes one."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = "open"
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if module.startswith(target + "."):
                continue  # a submodule importing its own package: the package's __init__ runs first
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            return cycle
    return None


def test_the_walk_finds_a_circle_when_there_is_one():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_graph_sees_type_checking_and_relative_imports():
    graph = import_graph()
    assert "rlog_tui.source.log_file" in graph["rlog_tui.source"]  # from .log_file import ...
    assert "rlog_tui.ui.widgets.tail_view" in graph["rlog_tui.ui.app"]


def test_rlog_tui_has_no_import_circle():
    assert find_cycle(import_graph()) is None


def private_reaches(path: Path) -> list[str]:
    """``x._name`` with ``x`` not ``self``, ``cls`` or ``super()``: another's private part."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Attribute) or not node.attr.startswith("_"):
            continue
        if node.attr.startswith("__"):
            continue
        owner = node.value
        if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
            continue
        if isinstance(owner, ast.Call) and getattr(owner.func, "id", "") == "super":
            continue
        found.append(f"{path.name}:{node.lineno} .{node.attr}")
    return found


def test_the_ui_modules_reach_into_no_other_objects_private_attributes():
    """The app, its key actions and the widgets talk through public methods and messages."""
    ui = [PACKAGE / "ui" / "app.py", *sorted((PACKAGE / "ui" / "widgets").glob("*.py"))]
    assert [reach for path in ui for reach in private_reaches(path)] == []


def borrowed_private_names(path: Path) -> set[str]:
    """``self._name`` used in a module that neither assigns nor defines ``_name``: a private
    attribute of a class in another module (a mixin's way of reaching into its host)."""
    tree = ast.parse(path.read_text(), str(path))
    defined, used = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            defined.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)  # class attributes, __slots__-style names
        elif (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
        ):
            (defined if isinstance(node.ctx, ast.Store) else used).add(node.attr)
    return {name for name in used - defined if not name.startswith("__")}


def test_no_ui_module_uses_a_private_attribute_it_does_not_define():
    ui = [PACKAGE / "ui" / "app.py", *sorted((PACKAGE / "ui" / "widgets").glob("*.py"))]
    assert {path.name: names for path in ui if (names := borrowed_private_names(path))} == {}
