"""How a response is decoded, in every path that decodes one: the settings live here, once.

The engine (TUI, ``analyze``, ``rlog-train eval``), the HF evaluator, GRPO's rollouts and
``rlog-quantize verify`` all take their temperature, top-p, repetition penalty and token budget
from this module, so a model is trained (rollouts), measured (eval, verify) and served with the
same decoding. Served answers are greedy (the same log gives the same answer); GRPO samples
around the same policy at R-Log's temperature to explore. The repetition penalty is
llama.cpp's 1.1 (what every figure in the README was measured with); HF applies it over the
whole sequence where llama.cpp looks back 64 tokens, the one difference left between paths.
Answer-first parsing answers are held to templates of their line (``template_rule``) and free-text
answers are pushed off runs they already wrote (``repeat_guard``) in the engine and the HF
evaluator alike; GRPO's rollouts and ``quantize verify`` (which compares runtimes token for
token) decode unaided. Fast and full mode decode alike: fast mode only stops at
``</answer>``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rlog_tui.protocol.tasks import TASKS, Task


@dataclass(frozen=True, slots=True)
class RepeatGuard:
    """How hard a free-text response is pushed off a run of tokens it already wrote.

    Why: rlog-270m sometimes writes a code block that never ends (a line of configuration over
    and over, or ``-ssl2145 -ssl2146 …``) until the token budget runs out, so the answer never
    closes (3 of the README's 47 solutions). The repetition penalty looks at single tokens of the
    last 64 and a frequency penalty made it worse (43 of 47). This penalises the token that
    would carry a repeated *run* on, by ``multiplier × base^(length − allowed_length)`` for a run
    ``length`` tokens long (the "DRY" rule of text-generation front-ends, with its usual settings,
    not tuned: the free-text tasks have no validation split), within the response only: a log's
    own words stay copyable. Measured: solutions well-formed 44 → 46 of 47, ROUGE-L 18.9 → 19.0,
    interpretation and root cause unchanged (model card, "Session 14").
    """

    multiplier: float
    base: float
    allowed_length: int
    """A run this many tokens long or shorter (a repeated phrase) costs nothing."""


@dataclass(frozen=True, slots=True)
class Decoding:
    """One way to decode: greedy when ``temperature`` is 0."""

    temperature: float
    top_p: float
    repeat_penalty: float
    max_tokens: int
    template_rule: bool = False
    """Answer-first parsing answers decode as templates of their own line
    (``protocol.template_of_line``)."""
    repeat_guard: RepeatGuard | None = None
    """Free-text answers (``TaskSpec.generative``) decode under this guard (None: unaided)."""

    @property
    def greedy(self) -> bool:
        return self.temperature == 0.0


MAX_TOKENS = 768
"""The longest response, in tokens, unless a caller asks for another budget."""
REPEAT_PENALTY = 1.1
"""The penalty every path decodes with and every README figure was measured with (llama.cpp's own
default is 1.0 now, so each path passes it explicitly)."""


SERVED = Decoding(
    temperature=0.0,
    top_p=0.95,
    repeat_penalty=REPEAT_PENALTY,
    max_tokens=MAX_TOKENS,
    template_rule=True,
    repeat_guard=RepeatGuard(multiplier=0.8, base=1.75, allowed_length=2),
)
"""Answers the user reads, and every evaluation of them: greedy, a parsing answer a template of its
line, a free-text answer under the repeat guard (the engine's processors; the HF evaluator wraps
the same ones)."""
ROLLOUT = Decoding(temperature=0.8, top_p=1.0, repeat_penalty=REPEAT_PENALTY, max_tokens=512)
"""GRPO's sampled group (R-Log's temperature 0.8), with the penalty served answers get; free of the
template rule and the repeat guard, so the reward sees (and teaches away) what the model writes
unaided."""


def served_repeat_guard(task: Task) -> RepeatGuard | None:
    """The guard a served answer to ``task`` decodes under: free-text tasks only (a parsing
    template repeats ``<*>`` runs on purpose; a label is one word)."""
    return SERVED.repeat_guard if TASKS[task].generative else None


VOCABULARY_METADATA_KEY = "rlog.trained_vocabulary"
"""Adapter GGUF metadata: the token ids its training softmax ranged over, when that was not the
whole vocabulary.

An adapter trained on a compact base (``rlog_train.gguf_base``: the 17.6k of gemma's 262k tokens
the training text uses) never had the other tokens' scores pushed down; served over the full
vocabulary, one of them sometimes wins a position (Cyrillic words, TeX and MathML markup in the
middle of a parsed template: 15 of the 31 wrong templates of the README's seen parsing sample,
stage-3 adapter). So a model whose adapter records this key decodes as it was trained: each token
is one the training vocabulary holds, or one the prompt holds (a log line's own words and values
must be copyable whatever they are). The engine serves such an adapter over a cut copy of the base
(``engine.compact_base``: the trained tokens and the ASCII ones, 151k of 262k rows, so each token
costs less) and applies the rule as a bias over it (``engine.vocabulary``). Every path that
decodes with llama.cpp (TUI, ``analyze``, ``rlog-train eval``, ``quantize verify``) gets it
through the engine; anomaly scores compare two label tokens' logits, which stay."""

SPELT_PIECES_METADATA_KEY = "rlog.spelt_pieces"
"""Adapter GGUF metadata: the share of log words its training spelt in smaller pieces
(``rlog_train.spelt_pieces``), when that was more than none.

Such a model has learnt to read and copy a word its vocabulary lacks as the pieces that make it
up, so it is served over the base cut to its trained tokens alone (gemma-3-270m: 17.6k of 262k
rows, 1.85x faster per token than the 151k-row cut with the ASCII tokens, which every other
adapter gets so that a log's words stay whole)."""
