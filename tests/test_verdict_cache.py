"""The on-disk score cache: atomic writes, reloads, old and corrupt files that never crash."""

from __future__ import annotations

import json
import logging

from rlog_tui.screening.verdict_cache import CachedScore, VerdictCache, default_cache_path


def test_saved_scores_reload_per_model_and_template(tmp_path):
    path = tmp_path / "sub" / "verdicts.json"
    cache = VerdictCache(path)
    cache.put("model-a", "disk <*> full", CachedScore(0.8125))
    cache.put("model-b", "disk <*> full", CachedScore(0.0))
    cache.save()
    again = VerdictCache(path)
    assert again.get("model-a", "disk <*> full") == CachedScore(0.8125)
    assert again.get("model-b", "disk <*> full").score == 0.0
    assert again.get("model-c", "disk <*> full") is None
    assert len(again) == 2
    assert json.loads(path.read_text())["version"] == 2


def test_a_cache_of_generated_labels_from_an_older_rlog_is_dropped_quietly(tmp_path, caplog):
    path = tmp_path / "verdicts.json"
    old = {"version": 1, "models": {"m": {"disk <*> full": {"label": "abnormal", "answer": ""}}}}
    path.write_text(json.dumps(old))
    with caplog.at_level(logging.WARNING):
        cache = VerdictCache(path)
    assert len(cache) == 0 and cache.get("m", "disk <*> full") is None
    assert "was reset" not in caplog.text
    cache.put("m", "disk <*> full", CachedScore(0.5))
    cache.save()
    assert json.loads(path.read_text())["models"]["m"]["disk <*> full"] == {"score": 0.5}


def test_write_is_atomic_no_temporary_files_left_and_old_file_replaced(tmp_path, monkeypatch):
    path = tmp_path / "verdicts.json"
    cache = VerdictCache(path)
    cache.put("m", "a <*>", CachedScore(0.1))
    cache.save()
    before = path.read_text()

    def broken_replace(*_args):
        raise OSError("disk full")

    monkeypatch.setattr("rlog_tui.files.os.replace", broken_replace)
    cache.put("m", "b <*>", CachedScore(0.9))
    cache.save()  # a failed write is a warning, and the old file is intact
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["verdicts.json"]


def test_corrupt_file_is_reset_with_a_warning_never_a_crash(tmp_path, caplog):
    path = tmp_path / "verdicts.json"
    for junk in (
        b"{not json",
        b"\xff\xfe\x00binary",
        b'{"version": 2, "models": {"m": 3}}',
        b'{"version": 2, "models": {"m": {"t": {"label": "abnormal"}}}}',
        b'{"version": 2, "models": {"m": {"t": {"score": 1.5}}}}',
        b'{"version": 2, "models": {"m": {"t": {"score": "high"}}}}',
        b'{"version": 2, "models": {"m": {"t": {"score": true}}}}',
        b'{"version": 3, "models": {}}',
        b"[]",
    ):
        path.write_bytes(junk)
        with caplog.at_level(logging.WARNING):
            cache = VerdictCache(path)
        assert len(cache) == 0
        assert "was reset" in caplog.text
        caplog.clear()
        cache.put("m", "t", CachedScore(0.25))
        cache.save()
        assert json.loads(path.read_text())["models"]["m"]["t"]["score"] == 0.25


def test_default_location_is_under_the_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("RLOG_CACHE_DIR", str(tmp_path))
    assert default_cache_path() == tmp_path / "verdicts.json"
