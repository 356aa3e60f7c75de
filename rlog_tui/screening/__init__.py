"""Screening: which templates of a log look abnormal, and how sure the model is.

- ``screener``: scores each new template's representative entry (one forward pass, probability of
  ``abnormal``), applies the calibrated thresholds and the ``inconclusive`` band, ranks templates.
- ``verdict_cache``: scores kept per (model, prompt, template) across runs, so a model's cost grows
  with new templates, not with lines.
- ``calibration``: the thresholds ``rlog-train calibrate`` fits on validation items, stored beside
  the weights they belong to and refused for any other weights or prompt.
- ``report``: the ``analyze --all`` table and JSON.

The modules are imported by name (``rlog_tui.screening.screener``): this ``__init__`` imports
nothing, so ``models`` can read a calibration without loading the screener.
"""
