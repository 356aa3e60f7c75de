"""Every third-party module a part of rlog imports is declared for that part in pyproject.toml.

A module that arrives only through another package (click through old typer releases, rich
through textual, tokenizers through transformers) works until that package changes its own
dependencies: then a fresh install fails at the first import. So each import, at any depth of the
code (imports inside functions included), must map to a distribution the part declares itself:
`rlog_tui` and `quantize` the base dependencies, `rlog_train` the base plus `train`, `bench` the
base plus `train` and `dev`.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIRST_PARTY = {"rlog_tui", "rlog_train", "quantize", "__future__"}
PARTS = {
    "rlog_tui": (),
    "quantize": (),
    "rlog_train": ("train",),
    "bench": ("train", "dev"),
}


def normalise(name: str) -> str:
    """A distribution name as PEP 503 compares them (`PyYAML` = `pyyaml`, `a_b` = `a-b`)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    return normalise(re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0])


def declared(pyproject: dict, extras: tuple[str, ...]) -> set[str]:
    """Distributions a part may import: the base dependencies plus its extras."""
    project = pyproject["project"]
    names = {requirement_name(r) for r in project["dependencies"]}
    for extra in extras:
        names |= {requirement_name(r) for r in project["optional-dependencies"][extra]}
    return names


def third_party_imports(folder: Path) -> dict[str, set[str]]:
    """Top-level module → files of `folder` that import it (stdlib and first party left out)."""
    found: dict[str, set[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                local = (folder / f"{top}.py").exists()  # a script's sibling (bench/templates.py)
                if top not in sys.stdlib_module_names and top not in FIRST_PARTY and not local:
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


@cache
def distributions_of() -> dict[str, list[str]]:
    return packages_distributions()


def undeclared(pyproject: dict, part: str) -> list[str]:
    """One line per imported module whose distribution the part does not declare."""
    allowed = declared(pyproject, PARTS[part])
    problems = []
    for module, files in sorted(third_party_imports(ROOT / part).items()):
        dists = {normalise(d) for d in distributions_of().get(module, [])}
        if not dists:
            problems.append(f"{module} (imported by {sorted(files)[0]}) is not installed at all")
        elif not dists & allowed:
            problems.append(
                f"{module} (from {', '.join(sorted(dists))}, imported by {sorted(files)[0]}) "
                f"is not declared for {part}"
            )
    return problems


@pytest.mark.parametrize("part", sorted(PARTS))
def test_every_imported_module_is_declared_for_its_part(part: str) -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert undeclared(pyproject, part) == []


def test_a_module_that_only_arrives_through_another_package_is_caught() -> None:
    """Today's declarations minus rich (it arrives through textual): the check must name it."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pyproject["project"]["dependencies"] = [
        r for r in pyproject["project"]["dependencies"] if requirement_name(r) != "rich"
    ]
    problems = undeclared(pyproject, "rlog_tui")
    assert any(p.startswith("rich (from rich") for p in problems), problems
