"""The terminal UI (Textual): ``app`` (the ``RlogApp`` that ``rlog-tui tail`` runs) and ``widgets``.

No analysis logic lives here: the UI shows what ``source``, ``templates``, ``screening`` and the
``engine`` produce and sends the user's questions through ``protocol``. Only this package imports
Textual (``tests/test_import_hygiene.py`` checks it).
"""
