"""Turning (system, user) into the exact text a model is prompted with.

The same renderer serves the TUI, the trainer and the evaluator, so a model is prompted at run time
exactly as it was trained. Where a GGUF carries a chat template (``tokenizer.chat_template``) it is
rendered with Jinja; the embedded gemma-3-270m GGUF carries none, so Gemma's own turn tokens are
used for the ``gemma*`` architectures, ChatML for Qwen-style vocabularies, and a plain, documented
``### System / ### User / ### Assistant`` layout for anything else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import jinja2.sandbox


class PromptStyle(StrEnum):
    """How the turns of a prompt are marked up."""

    GEMMA = "gemma"
    CHATML = "chatml"
    PLAIN = "plain"
    TEMPLATE = "template"


# Strings that a tokenizer may turn into control tokens. Inside log text they are data, so each
# is broken with a zero-width space before it can end a turn or open a new one.
_TURN_MARKERS = (
    "<start_of_turn>",
    "<end_of_turn>",
    "<|im_start|>",
    "<|im_end|>",
    "<|endoftext|>",
    "<bos>",
    "<eos>",
    "<s>",
    "</s>",
)


def neutralise_turn_markers(text: str) -> str:
    """Break chat control markers inside untrusted text so they tokenize as plain characters."""
    for marker in _TURN_MARKERS:
        if marker in text:
            text = text.replace(marker, marker[0] + "\u200b" + marker[1:])
    return text


@dataclass(frozen=True, slots=True)
class PromptFormat:
    """A way of rendering a two-turn prompt; ``end_of_turn`` is what the model emits when done."""

    style: PromptStyle
    chat_template: str | None = None

    @property
    def end_of_turn(self) -> str:
        """The text that closes the assistant's turn (a stop string for generation)."""
        return {
            PromptStyle.GEMMA: "<end_of_turn>",
            PromptStyle.CHATML: "<|im_end|>",
            PromptStyle.PLAIN: "\n### User:",
            PromptStyle.TEMPLATE: "",
        }[self.style]

    def render(self, system: str, user: str) -> str:
        """The prompt text, ending where the assistant's reply begins."""
        if self.style is PromptStyle.GEMMA:
            # Gemma has no system role: its templates put the system text in the first user turn.
            return f"<start_of_turn>user\n{system}\n\n{user}<end_of_turn>\n<start_of_turn>model\n"
        if self.style is PromptStyle.CHATML:
            return (
                f"<|im_start|>system\n{system}<|im_end|>\n"
                f"<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n"
            )
        if self.style is PromptStyle.PLAIN:
            return f"### System:\n{system}\n\n### User:\n{user}\n\n### Assistant:\n"
        return _render_template(self.chat_template or "", system, user)


def _render_template(template: str, system: str, user: str) -> str:
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)

    def raise_exception(message: str) -> None:
        raise jinja2.TemplateError(message)

    env.globals["raise_exception"] = raise_exception
    messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    return env.from_string(template).render(
        messages=messages, add_generation_prompt=True, bos_token="", eos_token=""
    )


def select_format(metadata: Mapping[str, str], override: str | None = None) -> PromptFormat:
    """Choose the prompt format for a model from its GGUF metadata (or an explicit override)."""
    if override:
        style = PromptStyle(override)
        if style is PromptStyle.TEMPLATE:
            return PromptFormat(style, metadata.get("tokenizer.chat_template"))
        return PromptFormat(style)
    if metadata.get("tokenizer.chat_template"):
        return PromptFormat(PromptStyle.TEMPLATE, metadata["tokenizer.chat_template"])
    if metadata.get("general.architecture", "").startswith("gemma"):
        return PromptFormat(PromptStyle.GEMMA)
    if metadata.get("general.architecture", "").startswith("qwen"):
        return PromptFormat(PromptStyle.CHATML)
    return PromptFormat(PromptStyle.PLAIN)
