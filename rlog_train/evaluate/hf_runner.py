"""Evaluate a Hugging Face model with batched greedy generation (a GPU when there is one).

For checkpoints straight out of training, before any GGUF conversion: the prompt text is the one
the engine would send (``rlog_tui.protocol.build_prompt`` in the format the GGUF of the same model
would select, from its architecture), and each output is judged by the same ``make_record``.

Batching: prompts of a set are sorted by length (less padding), left-padded and generated
together with ``model.generate``; a sequence stops at the end-of-turn token or string, and in fast
mode at ``</answer>``. Timings are per sequence but measured inside its batch: a clock records
when every decoding step finished, so time to first token is the batch's prefill plus one step and
time to answer is when that sequence wrote ``</answer>`` — latency under batching, not alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from rlog_train.evaluate.hf_served_rules import RowRule, served_rules_processor
from rlog_train.evaluate.provenance import file_identity, machine_info, now_iso
from rlog_train.evaluate.records import EvalResult, Generation
from rlog_train.evaluate.runner import OnRecord, base_config, collect
from rlog_train.evaluate.suite import EvalError, EvalOptions, EvalSet, build_sets
from rlog_train.evaluate.token_bytes import token_bytes
from rlog_train.formatting import prompt_format_for
from rlog_tui.engine.repeat_guard import RepeatPenalty
from rlog_tui.engine.template_constraint import TemplateConstraint
from rlog_tui.protocol import (
    ANSWER_CLOSE,
    Prompt,
    PromptFormat,
    StreamParser,
    build_prompt,
    response_lead,
    template_line,
)
from rlog_tui.protocol.decoding import SERVED, served_repeat_guard


def load_hf(model: Path, adapter: Path | None, device: str) -> tuple[Any, Any]:
    """Load model and tokenizer: an HF directory, a ``.gguf`` file transformers dequantizes, or
    a compact training base (``rlog_train.gguf_base``), the same loader the trainers use."""
    model = Path(model).expanduser()
    if not model.exists():
        raise EvalError(f"HF model not found: {model}")
    if model.is_file() and model.suffix != ".gguf":
        raise EvalError(f"--hf wants a model directory or a .gguf file, got {model}")
    from rlog_train.gguf_base import load_base

    try:
        network, tokenizer = load_base(
            model, "bfloat16" if device.startswith("cuda") else "float32"
        )
    except (OSError, ValueError) as error:
        raise EvalError(f"cannot load HF model {model}: {str(error).splitlines()[0]}") from None
    if adapter is not None:
        from peft import PeftModel

        adapter = Path(adapter).expanduser()
        if not adapter.is_dir():
            raise EvalError(f"PEFT adapter directory not found: {adapter}")
        network = PeftModel.from_pretrained(network, str(adapter)).merge_and_unload()
    network.to(device).eval()
    tokenizer.padding_side = "left"
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return network, tokenizer


def _step_clock(times: list[float]) -> Any:
    """Stopping criteria that never stop: they timestamp every decoding step."""
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    class StepClock(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            times.append(time.perf_counter())
            return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)

    return StoppingCriteriaList([StepClock()])


def _stop_token_ids(tokenizer: Any, network: Any, fmt: PromptFormat) -> set[int]:
    ids: set[int] = set()
    for source in (network.generation_config.eos_token_id, tokenizer.eos_token_id):
        if isinstance(source, int):
            ids.add(source)
        elif source:
            ids.update(source)
    if fmt.end_of_turn and fmt.end_of_turn in tokenizer.get_vocab():
        ids.add(tokenizer.convert_tokens_to_ids(fmt.end_of_turn))
    return ids


def _answer_step(tokenizer: Any, ids: Sequence[int]) -> int | None:
    """Index of the token that completed ``</answer>`` (binary search over decoded prefixes)."""
    if ANSWER_CLOSE not in tokenizer.decode(ids, skip_special_tokens=True):
        return None
    low, high = 0, len(ids) - 1
    while low < high:
        middle = (low + high) // 2
        if ANSWER_CLOSE in tokenizer.decode(ids[: middle + 1], skip_special_tokens=True):
            high = middle
        else:
            low = middle + 1
    return low


class HFGenerator:
    """A loaded HF model that turns prompts into ``Generation`` items, a batch at a time."""

    def __init__(self, network: Any, tokenizer: Any, options: EvalOptions, n_ctx: int) -> None:
        self.network, self.tokenizer, self.options, self.n_ctx = network, tokenizer, options, n_ctx
        self.format = prompt_format_for(network.config)
        self._pieces: list[bytes] | None = None
        """Each token's bytes (``token_bytes``), read once a parsing row needs the template rule."""
        self.stop_ids = _stop_token_ids(tokenizer, network, self.format)
        self.stop_strings = [
            text
            for text in (
                self.format.end_of_turn
                if self.format.end_of_turn not in tokenizer.get_vocab()
                else "",
                ANSWER_CLOSE if options.fast else "",
            )
            if text
        ]

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text)["input_ids"])

    def prompt_for(self, example: Any) -> Prompt:
        """The engine's prompt for ``example``, trimmed to the same budget the engine uses."""
        return build_prompt(
            example.task,
            example.lines,
            self.options.order,
            self.format,
            instruction=example.instruction,
            token_budget=self.n_ctx - self.options.max_tokens,
            count_tokens=self.count_tokens,
        )

    def generate(self, prompts: Sequence[Prompt]) -> list[Generation]:
        """Greedy generation for a batch of prompts (left padding)."""
        import torch

        tok = self.tokenizer
        device = next(self.network.parameters()).device
        # prompt, then the response's lead tokenized on its own (``protocol.response_lead``): the
        # context the engine and the trainer give the model
        rows = [
            tok(p.text)["input_ids"]
            + tok(response_lead(p.order), add_special_tokens=False)["input_ids"]
            for p in prompts
        ]
        batch = tok.pad({"input_ids": rows}, return_tensors="pt", padding=True).to(device)
        times: list[float] = []
        extra: dict[str, Any] = {}
        if self.stop_strings:
            extra = {"stop_strings": self.stop_strings, "tokenizer": tok}
        rules = self._served_rules(prompts, batch["input_ids"].shape[1])
        if any(rules):
            extra["logits_processor"] = served_rules_processor(rules)
        started = time.perf_counter()
        with torch.inference_mode():
            output = self.network.generate(
                **batch,
                max_new_tokens=self.options.max_tokens,
                do_sample=False,  # SERVED is greedy
                temperature=None,
                top_p=None,
                top_k=None,
                repetition_penalty=SERVED.repeat_penalty,
                eos_token_id=sorted(self.stop_ids) or None,
                pad_token_id=tok.pad_token_id,
                stopping_criteria=_step_clock(times),
                **extra,
            )
        finished = time.perf_counter()
        width = batch["input_ids"].shape[1]
        prompt_lengths = batch["attention_mask"].sum(dim=1).tolist()
        ends = self.stop_ids | {tok.pad_token_id}
        results = []
        for row, prompt in enumerate(prompts):
            ids = output[row, width:].tolist()
            length = next((k for k, t in enumerate(ids) if t in ends), len(ids))
            terminator = ids[length] if length < len(ids) else None
            results.append(
                self._finish(
                    prompt,
                    int(prompt_lengths[row]),
                    ids[:length],
                    terminator,
                    lambda step: (
                        (times[min(step, len(times) - 1)] if times else finished) - started
                    ),
                )
            )
        return results

    def _served_rules(self, prompts: Sequence[Prompt], width: int) -> list[list[RowRule]]:
        """Each row's served rules (``protocol.decoding``), for prompts ``width`` tokens long
        (padding and lead included): the template rule on parsing rows, the repeat guard on
        free-text ones."""
        rules: list[list[RowRule]] = []
        for prompt in prompts:
            row: list[RowRule] = []
            line = template_line(prompt.task, prompt.sent, prompt.order)
            if self.options.template_rule and line is not None:
                row.append(TemplateConstraint(line, self._piece, width))
            guard = served_repeat_guard(prompt.task)
            if self.options.guard_repeats and guard is not None:
                row.append(RepeatPenalty(guard, width))
            rules.append(row)
        return rules

    def _piece(self, token: int) -> bytes:
        """The bytes ``token`` writes (none for the padded embedding rows past the tokenizer)."""
        if self._pieces is None:
            self._pieces = token_bytes(self.tokenizer)
        return self._pieces[token] if token < len(self._pieces) else b""

    def _finish(
        self,
        prompt: Prompt,
        prompt_tokens: int,
        ids: list[int],
        terminator: int | None,
        at: Callable[[int], float],
    ) -> Generation:
        """One sequence's text, finish reason and timings (``at(step)``: seconds to that step)."""
        text = response_lead(prompt.order) + self.tokenizer.decode(ids, skip_special_tokens=True)
        finish = "length" if terminator is None else "stop"
        eot = self.format.end_of_turn
        if eot and eot in text:
            text, finish = text[: text.index(eot)], "stop"
        answer_step = _answer_step(self.tokenizer, ids)
        if self.options.fast and ANSWER_CLOSE in text:
            text = text[: text.index(ANSWER_CLOSE) + len(ANSWER_CLOSE)]
            parser = StreamParser(self.options.order)
            parser.feed(text)
            finish = "answer" if parser.answer_closed else "stop"
        # The end-of-turn token took a step of its own; a pad after a stop string did not.
        last_step = len(ids) if terminator in self.stop_ids else max(0, len(ids) - 1)
        return Generation(
            prompt=prompt,
            prompt_tokens=prompt_tokens,
            raw_text=text,
            completion_tokens=len(ids),
            time_to_first_token=at(0),
            time_to_answer=None if answer_step is None else at(answer_step),
            total_time=at(last_step),
            finish_reason=finish,
        )


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def evaluate_hf(
    options: EvalOptions,
    model: str | Path,
    adapter: str | Path | None = None,
    *,
    batch_size: int | None = None,
    n_ctx: int = 4096,
    device: str | None = None,
    sets: list[EvalSet] | None = None,
    on_record: OnRecord | None = None,
) -> EvalResult:
    """Evaluate an HF model (directory or ``.gguf``) plus optional PEFT adapter, batched."""
    import torch

    sets = build_sets(options) if sets is None else sets
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    batch_size = batch_size or (16 if device.startswith("cuda") else 4)
    if batch_size < 1:
        raise EvalError(f"--batch-size must be at least 1, got {batch_size}")
    network, tokenizer = load_hf(Path(model), Path(adapter) if adapter else None, device)
    generator = HFGenerator(network, tokenizer, options, n_ctx)
    machine = machine_info()
    if device.startswith("cuda"):
        machine["gpu"] = torch.cuda.get_device_name(torch.device(device))
    config = {
        "runner": "transformers (batched greedy generate)",
        "model_description": f"{Path(model).name} ({network.config.model_type}, HF, {device})",
        "model": file_identity(Path(model).expanduser()),
        "model_origin": "given",
        "adapter": file_identity(Path(adapter).expanduser()) if adapter else None,
        "adapter_origin": "given" if adapter else "none",
        "prompt_format": generator.format.style.value,
        "device": device,
        "dtype": str(next(network.parameters()).dtype).removeprefix("torch."),
        "batch_size": batch_size,
        "n_ctx": n_ctx,
        "sampling": {
            "greedy": SERVED.greedy,
            "repeat_penalty": SERVED.repeat_penalty,
            "max_tokens": options.max_tokens,
        },
        **base_config(options, sets),
    }
    result = EvalResult(config=config, machine=machine, sets=sets, started_at=now_iso())

    def generations() -> Iterator[tuple[EvalSet, Any, Generation]]:
        for eval_set in sets:
            prompted = [(example, generator.prompt_for(example)) for example in eval_set.examples]
            prompted.sort(key=lambda pair: -len(pair[1].text))
            for batch in _batches(prompted, batch_size):
                outputs = generator.generate([prompt for _, prompt in batch])
                for (example, _), generation in zip(batch, outputs, strict=True):
                    yield eval_set, example, generation

    return collect(result, generations(), on_record)
