"""The stream parser against hostile token streams."""

from __future__ import annotations

import random

import pytest

from rlog_tui.protocol import OutputOrder, StreamParser, parse_response

GOOD = "<think>The block id varies.</think><answer>Receiving block <*></answer>"


def feed_in_pieces(text: str, sizes: list[int], order=OutputOrder.REASON_FIRST):
    parser = StreamParser(order)
    segments = []
    position = 0
    for size in sizes:
        segments += parser.feed(text[position : position + size])
        position += size
    segments += parser.feed(text[position:])
    return segments, parser.close()


def test_well_formed_reason_first_response_is_split():
    parsed = parse_response(GOOD)
    assert parsed.think == "The block id varies."
    assert parsed.answer == "Receiving block <*>"
    assert parsed.format_ok and parsed.well_formed


@pytest.mark.parametrize("seed", range(20))
def test_tags_split_across_tokens_at_random_points_give_the_same_result(seed):
    rng = random.Random(seed)
    sizes = [rng.randint(1, 4) for _ in range(len(GOOD))]
    segments, parsed = feed_in_pieces(GOOD, sizes)
    assert parsed.think == "The block id varies."
    assert parsed.answer == "Receiving block <*>"
    assert parsed.format_ok
    streamed_answer = "".join(s.text for s in segments if s.channel == "answer")
    assert streamed_answer == "Receiving block <*>"
    assert all("<think" not in s.text and "answer>" not in s.text for s in segments)


def test_one_character_tokens_never_leak_tag_fragments():
    segments, parsed = feed_in_pieces(GOOD, [1] * len(GOOD))
    assert "".join(s.text for s in segments if s.channel == "think") == "The block id varies."
    assert parsed.well_formed


def test_partial_tag_is_held_back_until_decided():
    parser = StreamParser()
    out = parser.feed("<think>abc</th")
    assert "".join(s.text for s in out) == "abc"
    out = parser.feed("ink><answer>x")
    assert [(s.channel, s.text) for s in out] == [("answer", "x")]


def test_lone_angle_brackets_and_template_variables_are_text():
    parsed = parse_response("<think>a < b and <*> is a variable</think><answer>x <*> y</answer>")
    assert parsed.think == "a < b and <*> is a variable"
    assert parsed.answer == "x <*> y"
    assert parsed.format_ok


def test_missing_closing_tag_is_reported_but_content_kept():
    parsed = parse_response("<think>reasoning<answer>abnormal")
    assert parsed.answer == "abnormal"
    assert parsed.think == "reasoning"
    assert not parsed.format_ok
    assert any("not closed" in p for p in parsed.problems)
    assert any("unclosed <answer>" in p for p in parsed.problems)


def test_repeated_blocks_are_not_well_formed():
    parsed = parse_response("<think>a</think><answer>normal</answer><answer>abnormal</answer>")
    assert not parsed.format_ok
    assert any("more than one <answer>" in p for p in parsed.problems)


def test_repeated_opening_tag_inside_block():
    parsed = parse_response("<think><think>a</think><answer>normal</answer>")
    assert not parsed.format_ok


def test_answer_before_think_is_wrong_for_reason_first_and_right_for_answer_first():
    text = "<answer>abnormal</answer><think>an error</think>"
    assert not parse_response(text, OutputOrder.REASON_FIRST).format_ok
    parsed = parse_response(text, OutputOrder.ANSWER_FIRST)
    assert parsed.format_ok and parsed.answer == "abnormal"


def test_fast_mode_stopped_after_answer_is_well_formed():
    parser = StreamParser(OutputOrder.ANSWER_FIRST)
    parser.feed("<answer>normal</answer>")
    assert parser.close(stopped_after_answer=True).well_formed


def test_fast_mode_without_deliberate_stop_needs_its_think_block():
    parser = StreamParser(OutputOrder.ANSWER_FIRST)
    parser.feed("<answer>normal</answer>")
    assert not parser.close().format_ok


def test_empty_answer_is_formatted_but_not_well_formed():
    parsed = parse_response("<think>hmm</think><answer>  </answer>")
    assert parsed.format_ok
    assert not parsed.well_formed


def test_text_outside_tags_is_kept_apart_and_flagged():
    parsed = parse_response("Sure! <think>a</think><answer>normal</answer> Hope this helps.")
    assert parsed.answer == "normal"
    assert "Sure!" in parsed.outside and "Hope this helps." in parsed.outside
    assert not parsed.format_ok


def test_no_tags_at_all():
    parsed = parse_response("The log is fine.")
    assert parsed.answer == ""
    assert parsed.blocks == ()
    assert not parsed.format_ok


def test_stray_closing_tag():
    parsed = parse_response("</answer><think>a</think><answer>normal</answer>")
    assert any("stray </answer>" in p for p in parsed.problems)


def test_unfinished_tag_prefix_at_end_of_stream_is_text():
    parsed = parse_response("<think>a</think><answer>normal</answer><thi")
    assert "<thi" in parsed.outside
    assert not parsed.format_ok


def test_answer_closed_turns_true_only_when_the_answer_block_ends():
    parser = StreamParser(OutputOrder.ANSWER_FIRST)
    parser.feed("<answer>abnor")
    assert not parser.answer_closed
    parser.feed("mal</ans")
    assert not parser.answer_closed
    parser.feed("wer>")
    assert parser.answer_closed


def test_text_after_the_stop_at_answer_in_the_same_token_is_dropped():
    for tail in ("<", "<th", "\n<think>", "<think>because"):
        parser = StreamParser(OutputOrder.ANSWER_FIRST)
        parser.feed("<answer>normal</answer>" + tail)
        parsed = parser.close(stopped_after_answer=True)
        assert parsed.well_formed, (tail, parsed.problems)
        assert parsed.answer == "normal"


def test_text_before_the_answer_still_counts_in_fast_mode():
    parser = StreamParser(OutputOrder.ANSWER_FIRST)
    parser.feed("Sure! <answer>normal</answer>")
    assert not parser.close(stopped_after_answer=True).format_ok
