"""Training, rewards and evaluation for the rlog model (R-Log, arXiv 2509.25987).

Everything here reads prompts and answers through ``rlog_tui.protocol`` so that a model is trained,
rewarded and evaluated on exactly what the TUI sends and parses. The data, metric and reward
modules are pure Python; torch and TRL are imported only by the trainer modules that need them.
"""
