"""rlog: tail live logs and stream a small local model's R-Log reasoning about them."""

__version__ = "0.1.0"
