"""Any OpenAI-compatible server (llama.cpp's server, vLLM, …) as a backend.

rlog renders the prompt itself and sends it to ``/v1/completions``, so a remote model sees the same
text a local one would (and the one it was trained on); a chat endpoint would apply the server's
own template instead. Streaming uses server-sent events; cancelling closes the connection. The
request carries the served decoding's settings, repetition penalty included, under llama.cpp's
names (``SamplingParams.completion_options``); a server that names a setting otherwise (vLLM's
``repetition_penalty``) ignores it and decodes with its own default.

Anomaly scores are not offered: they need the logits of both labels at one position, and servers
return at most their top-k log-probabilities (llama-cpp-python's server none at all unless started
with ``logits_all``), so a label outside the top k would have no probability. ``score`` says so.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

from rlog_tui.engine.backend import Chunk, SamplingParams, StopCheck
from rlog_tui.engine.errors import BackendUnavailable, ScoringUnsupported
from rlog_tui.protocol import AnomalyScore, PromptFormat, PromptStyle

CHARS_PER_TOKEN_ESTIMATE = 3
"""Used only when the server cannot count tokens: conservative for log text (many symbols)."""


@dataclass(frozen=True, slots=True)
class OpenAISettings:
    base_url: str
    model: str | None = None
    api_key: str | None = None
    n_ctx: int = 4096
    prompt_format: str | None = None
    timeout: float = 60.0


class OpenAIBackend:
    """Talks HTTP to one server; safe to use from the engine thread only (like any backend)."""

    can_score = False

    def __init__(self, settings: OpenAISettings) -> None:
        self._settings = settings
        self._base = settings.base_url.rstrip("/")
        if not self._base.endswith("/v1"):
            self._base += "/v1"
        models = self._get_json("/models").get("data") or []
        served = [m.get("id", "") for m in models]
        self.model = settings.model or (served[0] if served else "default")
        self.n_ctx = settings.n_ctx
        self.prompt_format = PromptFormat(_guess_style(self.model, settings.prompt_format))
        self.description = f"{self.model} ({settings.base_url}, {self.n_ctx} ctx)"
        self._can_tokenize = True

    def _request(self, path: str, payload: dict | None = None) -> urllib.request.Request:
        headers = {"Content-Type": "application/json"}
        if self._settings.api_key:
            headers["Authorization"] = f"Bearer {self._settings.api_key}"
        data = json.dumps(payload).encode() if payload is not None else None
        return urllib.request.Request(self._base + path, data=data, headers=headers)

    def _get_json(self, path: str, payload: dict | None = None) -> dict:
        try:
            with urllib.request.urlopen(
                self._request(path, payload), timeout=self._settings.timeout
            ) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise BackendUnavailable(
                f"{self._settings.base_url}: HTTP {error.code} on {path}"
            ) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise BackendUnavailable(f"cannot reach {self._settings.base_url}: {reason}") from None
        except json.JSONDecodeError:
            raise BackendUnavailable(f"{self._settings.base_url}{path}: not JSON") from None

    def count_tokens(self, text: str) -> int:
        if self._can_tokenize:
            # llama.cpp's server offers /extras/tokenize; others do not, so fall back once.
            root = self._base.removesuffix("/v1")
            try:
                request = urllib.request.Request(
                    root + "/extras/tokenize",
                    data=json.dumps({"input": text}).encode(),
                    headers={"Content-Type": "application/json"},
                )
                with urllib.request.urlopen(request, timeout=self._settings.timeout) as response:
                    return len(json.loads(response.read())["tokens"])
            except (urllib.error.URLError, OSError, KeyError, json.JSONDecodeError):
                self._can_tokenize = False
        return len(text) // CHARS_PER_TOKEN_ESTIMATE + 1

    def generate(
        self, prompt: str, params: SamplingParams, should_stop: StopCheck, lead: str = ""
    ) -> Iterator[Chunk]:
        payload = {
            "model": self.model,
            "prompt": prompt + lead,
            **params.completion_options(),
            "stream": True,
        }
        if params.grammar:
            payload["grammar"] = params.grammar  # llama.cpp's server extension (GBNF)
        if self.prompt_format.end_of_turn:
            payload["stop"] = [self.prompt_format.end_of_turn]
        try:
            response = urllib.request.urlopen(
                self._request("/completions", payload), timeout=self._settings.timeout
            )
        except urllib.error.HTTPError as error:
            detail = error.read()[:200].decode(errors="replace")
            raise BackendUnavailable(
                f"server refused the completion: HTTP {error.code} {detail}"
            ) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise BackendUnavailable(f"cannot reach {self._settings.base_url}: {reason}") from None
        with response:
            for raw_line in response:
                if should_stop():
                    return
                line = raw_line.decode("utf-8", errors="replace").strip()
                if not line.startswith("data:"):
                    continue
                data = line[len("data:") :].strip()
                if data == "[DONE]":
                    return
                choice = json.loads(data)["choices"][0]
                yield Chunk(choice.get("text") or "", choice.get("finish_reason"))

    def score(self, prompt: str, should_stop: StopCheck) -> AnomalyScore | None:
        """Not offered by a server: see the module's docstring."""
        raise ScoringUnsupported(
            "anomaly scores need the in-process llama.cpp backend (--backend llama): a server "
            "does not return the logits of both labels"
        )

    def close(self) -> None:
        """Nothing to free: each request has its own connection."""


def _guess_style(model: str, override: str | None) -> PromptStyle:
    if override:
        return PromptStyle(override)
    name = model.lower()
    if "gemma" in name:
        return PromptStyle.GEMMA
    if "qwen" in name:
        return PromptStyle.CHATML
    return PromptStyle.PLAIN
