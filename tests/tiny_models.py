"""Tiny, real Hugging Face causal LMs built in seconds, for training and conversion tests.

No downloads: a byte-level BPE tokenizer is trained on a few log lines and the R-Log tags, and a
randomly initialised Llama (hidden 256, 2 layers) is saved beside it. Dimensions are multiples of
256 so every llama.cpp quantization type (Q4_K included) can be tested on it.
"""

from __future__ import annotations

from pathlib import Path

CORPUS = [
    "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block "
    "blk_38865049064139660 terminating",
    "Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: /10.250.19.102:50010",
    "[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6",
    "RAS KERNEL FATAL data TLB error interrupt",
    "Classify the given log entries into normal and abnormal categories.",
    "Convert the following logs into standardized templates by identifying and replacing the "
    "variable parts with a <*>.",
    "<think>The log reports an error.</think><answer>abnormal</answer>",
    "<answer>normal</answer><think>Routine status.</think>",
    "### System:\n### User:\n### Assistant:\n",
] * 4
SPECIAL_TOKENS = ["<s>", "</s>", "<unk>", "<pad>"]
QUIET_RUN = {"progress": False, "save_steps": 1000}
"""What every trainer test's run config shares: no progress bar in pytest's output, and no
checkpoint written mid-run (the runs are a few steps; the final adapter is saved anyway)."""


def tiny_examples() -> list:
    """Two training examples (anomaly, parsing) with short reasoning, for trainer tests."""
    from rlog_train.data import Example
    from rlog_tui.protocol import Task

    return [
        Example(
            Task.ANOMALY,
            "Classify the given log entries into normal and abnormal categories.",
            "RAS KERNEL FATAL data TLB error interrupt",
            "abnormal",
            "The log reports an error.",
            "test",
        ),
        Example(
            Task.PARSE,
            "Convert the following logs into standardized templates by identifying and replacing "
            "the variable parts with a <*>.",
            "Receiving block blk_1 src: /10.2.1.1:5 dest: /10.2.1.1:50010",
            "Receiving block <*> src: <*> dest: <*>",
            "Block ids and addresses vary.",
            "test",
        ),
    ]


def build_tokenizer(directory: Path, vocab_size: int = 512):
    """A byte-level BPE tokenizer (GPT-2 style pre-tokenizer) saved as a fast HF tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE(unk_token=None))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(CORPUS, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
    )
    fast.save_pretrained(directory)
    return fast


def build_tiny_llama(directory: Path, *, layers: int = 2, seed: int = 0) -> Path:
    """Save a tiny random ``LlamaForCausalLM`` and its tokenizer in ``directory``; return it."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer(directory)
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=256,
        intermediate_size=512,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        rms_norm_eps=1e-5,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=False,
    )
    model = LlamaForCausalLM(config)
    model.save_pretrained(directory)
    return directory
