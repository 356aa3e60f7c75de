"""How one row of the tail view is painted: the gutter and the text, and the styles of both.

The gutter is the line number (the file's own; green when the answer cited the line), the
abnormal flag (``!``), the entry mark (``▸`` folded, ``▾`` open, ``│`` a continuation line) and
a space. The text is styled by its level, then by a citation, then by the selection, and search
matches on top; a folded entry ends with a dim ``+N lines``.
"""

from __future__ import annotations

import re

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from rlog_tui.source.formats.levels import Level, detect_level

LEVEL_STYLES = {
    Level.FATAL: Style(color="bright_white", bgcolor="red", bold=True),
    Level.ERROR: Style(color="bright_red"),
    Level.WARNING: Style(color="yellow"),
    Level.INFO: Style(),
    Level.DEBUG: Style(color="grey50"),
    Level.UNKNOWN: Style(),
}
GUTTER_STYLE = Style(color="grey42")
CURSOR_STYLE = Style(bgcolor="grey27")
SELECTED_STYLE = Style(bgcolor="dark_blue")
MATCH_STYLE = Style(color="black", bgcolor="yellow")
FLAG_STYLE = Style(color="bright_red", bold=True)
CITED_STYLE = Style(bgcolor="#1c3b2a")
CITED_GUTTER_STYLE = Style(color="black", bgcolor="green3", bold=True)
FOLD_STYLE = Style(color="cyan", bold=True)
FOLDED_NOTE_STYLE = Style(color="cyan", dim=True)
GUTTER_EXTRA = 3
"""Cells after the line number: the abnormal flag, the entry mark, a space."""


def text_style(text: str, *, cited: bool, selection: Style | None) -> Style:
    """The text's style: its level's, then a citation's background, then the selection's."""
    style = LEVEL_STYLES[detect_level(text)]
    if cited:
        style += CITED_STYLE
    if selection is not None:
        style += selection
    return style


def paint_gutter(number: str, flag: str, mark: str, *, cited: bool) -> Strip:
    return Strip(
        [
            Segment(number, CITED_GUTTER_STYLE if cited else GUTTER_STYLE),
            Segment(flag, FLAG_STYLE),
            Segment(mark, FOLD_STYLE),
            Segment(" "),
        ]
    )


def paint_text(text: str, note: str, style: Style, search: re.Pattern[str] | None) -> Strip:
    """The whole text of a row (cropped by the caller), search matches marked, then the note."""
    segments = highlight(text, style, search)
    if note:
        segments.append(Segment(note, FOLDED_NOTE_STYLE))
    return Strip(segments)


def highlight(text: str, base: Style, search: re.Pattern[str] | None) -> list[Segment]:
    if search is None:
        return [Segment(text, base)]
    pieces: list[Segment] = []
    position = 0
    for match in search.finditer(text):
        if match.end() == match.start():
            continue
        pieces.append(Segment(text[position : match.start()], base))
        pieces.append(Segment(match.group(0), base + MATCH_STYLE))
        position = match.end()
    pieces.append(Segment(text[position:], base))
    return [piece for piece in pieces if piece.text]
