"""Imported modules → distributions → present on the GPU machine, carried, or missing."""

from __future__ import annotations

import sys

from rlog_train.gpu_recipe.imports import (
    distributions_of,
    imported_top_levels,
    missing_on_machine,
    recording_imports,
)
from rlog_train.gpu_recipe.machine import available


def test_standard_library_builtins_and_private_modules_are_not_distributions():
    assert imported_top_levels(["json.decoder", "sys", "_thread", "yaml.loader"]) == {"yaml"}


def test_modules_map_to_the_distribution_that_installed_them():
    import yaml  # noqa: F401  (installed as PyYAML)

    assert distributions_of({"yaml"}) == {"yaml": "pyyaml"}


def test_a_module_neither_on_the_machine_nor_carried_is_reported():
    import llama_cpp  # noqa: F401  (the product's engine: never on the training path)

    missing = missing_on_machine(["llama_cpp", "torch", "trl", "platformdirs", "rlog_tui.config"])
    assert missing == {"llama_cpp": "llama-cpp-python"}
    assert available("PyYAML") and available("trl") and not available("llama-cpp-python")


def test_recording_sees_what_project_modules_import_at_load_and_lazily():
    from rlog_train.sft import default_dtype  # imports torch inside the function

    sys.modules.pop("rlog_train.gpu_recipe.plan", None)
    with recording_imports() as seen:
        import json  # noqa: F401  (the test's own import: not the project's)

        import rlog_train.gpu_recipe.plan  # noqa: F401  (module level: dataclasses, its package)

        default_dtype(None)
    assert {"dataclasses", "rlog_train", "torch"} <= seen
    assert "json" not in seen
