"""The one-GPU recipe's own pieces (``scripts/gpu_recipe.py``, ``scripts/gpu_recipe.sh``).

The GPU machine is lent rarely and briefly, with no network, 64 MiB per call and 10 minutes a
call, so the recipe must work on its first try there. These modules hold what makes that so:
the machine's documented facts (``machine``), how the inputs are split into checksummed parts
that fit the calls (``carry``), the plan of calls and the time each stage gets (``plan``), the
wall-clock guard inside the run (``time_guard``), the check that every module the run imports is
there (``imports``), and the way back to the product (``adapter_import``).
"""
