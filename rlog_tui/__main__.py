"""``python -m rlog_tui`` is the same as the ``rlog-tui`` command."""

from rlog_tui.cli import main

main()
