"""The OpenAI-compatible backend against a real llama.cpp server started on loopback."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from rlog_tui.engine import (
    BackendUnavailable,
    Done,
    Engine,
    Failed,
    Request,
    SamplingParams,
    ScoreRequest,
    ScoringUnsupported,
    Started,
    Tokens,
)
from rlog_tui.engine.openai_backend import OpenAIBackend, OpenAISettings
from rlog_tui.protocol import OutputOrder, PromptStyle, Task, format_grammar

pytest.importorskip("uvicorn", reason="needs llama-cpp-python[server] (the dev extra)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server_url(embedded_model) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(embedded_model),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
            "--n_threads",
            "1",
            "--model_alias",
            "gemma-3-270m",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail("llama_cpp.server exited during start-up")
            try:
                with urllib.request.urlopen(url + "/v1/models", timeout=2) as response:
                    json.loads(response.read())
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("llama_cpp.server did not start within 120 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_streams_a_response_from_the_server(server_url):
    engine = Engine(lambda: OpenAIBackend(OpenAISettings(base_url=server_url, n_ctx=2048))).start()
    try:
        engine.wait_ready(timeout=60)
        assert "gemma-3-270m" in engine.description
        events = list(
            engine.stream(
                Request(
                    Task.ANOMALY,
                    ["kernel: Out of memory: Kill process 1234"],
                    sampling=SamplingParams(max_tokens=12),
                )
            )
        )
    finally:
        engine.close()
    assert isinstance(events[0], Started)
    assert events[0].prompt.text.startswith("<start_of_turn>user")  # gemma turns, chosen by name
    assert any(isinstance(e, Tokens) for e in events)
    assert isinstance(events[-1], Done) and events[-1].raw_text


def test_server_counts_tokens_like_the_local_model(server_url, llama_engine):
    backend = OpenAIBackend(OpenAISettings(base_url=server_url))
    text = "<start_of_turn>user\nhello<end_of_turn>"
    assert backend.prompt_format.style is PromptStyle.GEMMA
    local = llama_engine._backend.count_tokens(text)
    assert abs(backend.count_tokens(text) - local) <= 1  # the server may or may not add BOS


def test_fast_mode_cancels_the_stream_after_the_answer(server_url):
    engine = Engine(lambda: OpenAIBackend(OpenAISettings(base_url=server_url))).start()
    try:
        engine.wait_ready(timeout=60)
        done = list(
            engine.stream(
                Request(
                    Task.ANOMALY,
                    ["disk full"],
                    order=OutputOrder.ANSWER_FIRST,
                    sampling=SamplingParams(
                        max_tokens=200,
                        grammar=format_grammar(Task.ANOMALY, OutputOrder.ANSWER_FIRST),
                    ),
                    stop_after_answer=True,
                )
            )
        )[-1]
    finally:
        engine.close()
    assert isinstance(done, Done)
    assert done.stats.finish_reason == "answer"
    assert done.answer.text in {"normal", "abnormal"}
    assert "<think>" not in done.raw_text


def test_unreachable_server_is_one_clear_error():
    with pytest.raises(BackendUnavailable, match=r"cannot reach http://127\.0\.0\.1"):
        OpenAIBackend(OpenAISettings(base_url=f"http://127.0.0.1:{free_port()}", timeout=5))


def test_a_server_cannot_score_and_screening_turns_itself_off_with_one_warning(server_url, caplog):
    import logging

    from rlog_tui.screening.screener import Screener

    backend = OpenAIBackend(OpenAISettings(base_url=server_url))
    with pytest.raises(ScoringUnsupported, match="--backend llama"):
        backend.score("<start_of_turn>user\nhi<end_of_turn>\n", lambda: False)
    with Engine(lambda: OpenAIBackend(OpenAISettings(base_url=server_url))) as engine:
        engine.wait_ready(timeout=60)
        assert not engine.can_score
        events = list(engine.stream(ScoreRequest(["ERROR disk full"])))
        assert isinstance(events[-1], Failed) and "in-process llama.cpp" in events[-1].message
        screener = Screener(engine)
        with caplog.at_level(logging.WARNING):
            for line in ("ERROR disk full", "INFO all good", "WARN slow"):
                screener.feed(line)
            screener.wait_idle(timeout=5)
        assert not screener.busy and screener.calls == 0
        assert caplog.text.count("screening is off") == 1


def test_the_server_decodes_with_the_repetition_penalty_it_is_sent(server_url):
    backend = OpenAIBackend(OpenAISettings(base_url=server_url))
    prompt = "<start_of_turn>user\nSay ok ok ok ok ok ok ok ok ok ok<end_of_turn>\n"

    def greedy(penalty: float) -> str:
        params = SamplingParams(max_tokens=24, repeat_penalty=penalty)
        return "".join(chunk.text for chunk in backend.generate(prompt, params, lambda: False))

    unpenalised = greedy(1.0)
    assert greedy(1.0) == unpenalised  # greedy: the same request gives the same text
    assert greedy(3.0) != unpenalised
