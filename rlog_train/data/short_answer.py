"""Short answers for the free-text tasks: the label's leading sentences, within a word budget.

R-Log's interpretation, root-cause and solution labels run 60-110 words (median), and a model
answering first writes all of them before the user reads anything: 3-5 s on one core for the
270M default, where the issue asks for at most 1.5 s to the answer. Each label already opens with
its summary ("The root cause of the error is …", "To resolve the warning, …"), so the short answer
is that opening: whole sentences, as many as fit in ``words`` (at least the first one, however
long), from the training item's own label. Nothing is written by another model; evaluation still
scores against the test set's whole references, so a short answer pays for its brevity in ROUGE
recall, which the model card reports.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection, Sequence

from rlog_train.data.examples import Example
from rlog_tui.errors import UsageError
from rlog_tui.protocol import TASKS, Task

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'“(`*])")
_LIST_OPENING = re.compile(r"(?:^|(?<=[.:!?])\s+)(?:\d+\.|[-*])\s*$")
"""A list item's number or bullet closing a sentence, after a space that follows its end or a colon:
not `port 443.`, `10.10.10.100.` or `01:42:40.659710.`."""


def leading_sentences(text: str, words: int) -> str:
    """Whole sentences from the start of ``text`` while they fit in ``words`` (the first always).

    A later sentence that only opens a list (`This involves: 1.`) is dropped with what follows
    it: a list cut after its number is no answer. When the first sentence opens the list (most
    solutions: "To resolve it, the following steps should be taken: 1."), its opening stays
    without the number and the first step follows it, whole: the answer is then the opening and
    the first thing to do, not "…should be taken: 1.".
    """
    if words < 1:
        raise UsageError(f"answer_words must be at least 1, got {words}")
    first, *rest = _SENTENCE_END.split(" ".join(text.split()))
    kept = [first]
    opening = _without_list_opening(first)
    if rest and opening != first:
        step = _without_list_opening(rest[0])
        kept = [opening, step]
        rest = rest[1:] if step == rest[0] else []
    used = sum(len(sentence.split()) for sentence in kept)
    for sentence in rest:
        body = _without_list_opening(sentence)
        used += len(body.split())
        if used > words or body.endswith(":"):
            break
        kept.append(body)
        if body != sentence:
            break  # the next step begins
    return " ".join(kept)


def _without_list_opening(sentence: str) -> str:
    """``sentence`` less a next item's number at its end (`… done. 2.` → `… done.`)."""
    opening = _LIST_OPENING.search(sentence)
    return sentence[: opening.start()].rstrip() if opening else sentence


def shorten_answers(
    examples: Sequence[Example], words: int | None, tasks: Collection[Task] | None = None
) -> list[Example]:
    """``examples`` with each free-text label of ``tasks`` (default: every free-text task) cut to
    its leading sentences; ``words=None`` leaves them unchanged.

    Stage 4 cut all three and lost most of the solutions' content (their first sentence says
    *that* something must be fixed, the steps follow), so the tasks can be chosen.
    """
    if words is None:
        return list(examples)
    free_text = {task for task, spec in TASKS.items() if spec.generative}
    chosen = set(tasks) if tasks is not None else free_text
    if others := sorted(task.value for task in chosen - free_text):
        raise UsageError(f"short answers are for free-text tasks only, not {', '.join(others)}")
    return [
        dataclasses.replace(example, label=leading_sentences(example.label, words))
        if example.task in chosen
        else example
        for example in examples
    ]
