"""Which distributions a run imported, and which of them the GPU machine would lack.

Why: evaluation once imported ``rlog_tui.config`` and with it ``platformdirs``, which the GPU
machine does not have, so the run would have died after training. A hand-kept list of imports
drifts; this reads what a process really imported and maps each top-level module to the
distribution that installed it. Two readings:

- everything in ``sys.modules`` after the run: exact under the machine's versions (the CPU
  rehearsal's side venv, the smoke call), but under newer versions it also lists what *they*
  import (huggingface_hub 2 imports httpx2, 1.33 does not);
- what the project's own modules import while the run runs (``recording_imports``): the same
  under any versions, so the test suite checks it in the development venv.
"""

from __future__ import annotations

import builtins
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib.metadata import packages_distributions

from rlog_train.gpu_recipe.machine import available, normalise

OWN_PACKAGES = frozenset({"rlog_tui", "rlog_train", "quantize"})
"""Travel with the working tree."""
OWN_IMPORTERS = OWN_PACKAGES | {"__main__", "gpu_recipe"}
"""Modules whose imports ``recording_imports`` records (the script runs as ``__main__``)."""


def imported_top_levels(modules: Iterable[str]) -> set[str]:
    """Top-level names of ``modules`` that are neither built in nor part of the standard library."""
    tops = {name.partition(".")[0] for name in modules}
    return {
        top
        for top in tops
        if top
        and not top.startswith("_")
        and _on_disk(top)
        and top not in sys.stdlib_module_names
        and top not in sys.builtin_module_names
        and top != "__main__"
    }


def _on_disk(top: str) -> bool:
    """False for modules made at run time (``cython_runtime``): no file, no package path."""
    module = sys.modules.get(top)
    if module is None:
        return True
    return getattr(module, "__file__", None) is not None or hasattr(module, "__path__")


def distributions_of(top_levels: Iterable[str]) -> dict[str, str]:
    """``top-level module → distribution``; a module no distribution owns maps to itself."""
    owners = packages_distributions()
    return {top: normalise((owners.get(top) or [top])[0]) for top in top_levels}


def missing_on_machine(modules: Iterable[str]) -> dict[str, str]:
    """Imported modules whose distribution is neither installed on the machine nor carried."""
    tops = imported_top_levels(modules) - OWN_PACKAGES
    return {top: dist for top, dist in distributions_of(tops).items() if not available(dist)}


@contextmanager
def recording_imports() -> Iterator[set[str]]:
    """Within the block, the top-level names the project's own modules import (absolute
    imports through ``import``/``from … import``, lazy ones inside functions included)."""
    seen: set[str] = set()
    original = builtins.__import__

    def recorder(name, globals=None, locals=None, fromlist=(), level=0):
        importer = str((globals or {}).get("__name__", "")).partition(".")[0]
        if level == 0 and importer in OWN_IMPORTERS:
            seen.add(name.partition(".")[0])
        return original(name, globals, locals, fromlist, level)

    builtins.__import__ = recorder
    try:
        yield seen
    finally:
        builtins.__import__ = original
