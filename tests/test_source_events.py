"""Source events are small immutable values, safe to pass between threads."""

from __future__ import annotations

import dataclasses

import pytest

from rlog_tui.source.events import Appended, Deleted, Rotated, Truncated


def test_events_are_frozen_and_compare_by_value() -> None:
    event = Appended(3, 2)
    assert event == Appended(3, 2)
    assert {Truncated(), Rotated(), Deleted()} == {Truncated(), Rotated(), Deleted()}
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.count = 5  # type: ignore[misc]


def test_events_have_no_instance_dict() -> None:
    assert not hasattr(Appended(0, 1), "__dict__")
