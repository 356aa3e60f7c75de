"""The byte-level GGUF header reader: the same values as gguf's own reader, and junk refused.

Real files: the tests' tiny Llama GGUF and its adapter (``quantize_helpers``), and copies of
them cut short or with a count overwritten.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from quantize_helpers import rewritten_adapter

from rlog_tui.engine.gguf_header import gguf_header


def test_fields_and_tensors_read_as_gguf_reads_them(tiny_assets, tmp_path: Path) -> None:
    from gguf import GGUFReader

    records = {"rlog.output_order": "answer-first", "rlog.trained_vocabulary": [7, 3, 500]}
    adapter = rewritten_adapter(tiny_assets.lora_gguf, tmp_path / "a.gguf", records=records)
    with gguf_header(adapter) as header:
        assert header.string("rlog.output_order") == "answer-first"
        assert header.int32_array("rlog.trained_vocabulary").tolist() == [7, 3, 500]
        assert header.float32("adapter.lora.alpha") == 16.0
        assert header.string("no.such.key") == "" and header.float32("no.such.key") is None
    reference = GGUFReader(tiny_assets.f32)
    with gguf_header(tiny_assets.f32) as header:
        assert header.n_vocab() == len(reference.fields["tokenizer.ggml.tokens"].data)
        assert header.string("general.architecture") == "llama"
        ours = [(t.name, t.shape, t.ggml_type) for t in header.tensors]
        theirs = [(t.name, t.shape.tolist(), int(t.tensor_type)) for t in reference.tensors]
        assert ours == theirs
        bos = int(reference.fields["tokenizer.ggml.bos_token_id"].contents())
        assert bos in header.named_ids()
        types = np.asarray(reference.fields["tokenizer.ggml.token_type"].contents())
        assert header.int32_array("tokenizer.ggml.token_type").tolist() == types.tolist()


def test_a_truncated_file_is_a_value_error(tiny_assets, tmp_path: Path) -> None:
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(tiny_assets.f32.read_bytes()[:5000])
    with pytest.raises(ValueError, match="corrupt or truncated GGUF header"), gguf_header(cut):
        pass


def test_a_junk_array_count_is_refused_without_reading_it(tiny_assets, tmp_path: Path) -> None:
    key = b"rlog.trained_vocabulary"
    adapter = rewritten_adapter(
        tiny_assets.lora_gguf, tmp_path / "a.gguf", records={key.decode(): [1, 2, 3]}
    )
    data = bytearray(adapter.read_bytes())
    count_at = data.index(key) + len(key) + 8  # after the value type and the element type
    struct.pack_into("<Q", data, count_at, 2**60)
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="runs past the end of the file"), gguf_header(junk):
        pass
