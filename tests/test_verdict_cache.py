"""The on-disk verdict cache: atomic writes, reloads, and corrupt files that never crash."""

from __future__ import annotations

import json
import logging

from rlog_tui.verdict_cache import CachedVerdict, VerdictCache, default_cache_path


def test_saved_verdicts_reload_per_model_and_template(tmp_path):
    path = tmp_path / "sub" / "verdicts.json"
    cache = VerdictCache(path)
    cache.put("model-a", "disk <*> full", CachedVerdict("abnormal", "<answer>abnormal</answer>"))
    cache.put("model-b", "disk <*> full", CachedVerdict("normal"))
    cache.save()
    again = VerdictCache(path)
    assert again.get("model-a", "disk <*> full") == CachedVerdict(
        "abnormal", "<answer>abnormal</answer>"
    )
    assert again.get("model-b", "disk <*> full").label == "normal"
    assert again.get("model-c", "disk <*> full") is None
    assert len(again) == 2


def test_write_is_atomic_no_temporary_files_left_and_old_file_replaced(tmp_path, monkeypatch):
    path = tmp_path / "verdicts.json"
    cache = VerdictCache(path)
    cache.put("m", "a <*>", CachedVerdict("normal"))
    cache.save()
    before = path.read_text()

    def broken_replace(*_args):
        raise OSError("disk full")

    monkeypatch.setattr("rlog_tui.verdict_cache.os.replace", broken_replace)
    cache.put("m", "b <*>", CachedVerdict("abnormal"))
    cache.save()  # a failed write is a warning, and the old file is intact
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["verdicts.json"]


def test_corrupt_file_is_reset_with_a_warning_never_a_crash(tmp_path, caplog):
    path = tmp_path / "verdicts.json"
    for junk in (
        b"{not json",
        b"\xff\xfe\x00binary",
        b'{"version": 1, "models": {"m": 3}}',
        b'{"version": 1, "models": {"m": {"t": {"label": "weird"}}}}',
        b"[]",
    ):
        path.write_bytes(junk)
        with caplog.at_level(logging.WARNING):
            cache = VerdictCache(path)
        assert len(cache) == 0
        assert "was reset" in caplog.text
        caplog.clear()
        cache.put("m", "t", CachedVerdict("unknown", "???"))
        cache.save()
        assert json.loads(path.read_text())["models"]["m"]["t"]["label"] == "unknown"


def test_default_location_is_under_the_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("RLOG_CACHE_DIR", str(tmp_path))
    assert default_cache_path() == tmp_path / "verdicts.json"
