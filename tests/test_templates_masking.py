"""Which tokens masking turns into `<*>`, and which parts of them it keeps."""

from __future__ import annotations

import pytest

from rlog_tui.templates import Masker, mask_token


@pytest.mark.parametrize(
    ("token", "masked"),
    [
        ("12345", "<*>"),
        ("-17", "<*>"),
        ("0x7fed806eb5d", "<*>"),
        ("blk_-6952295868487656571", "<*>"),
        ("/10.250.19.102:54106", "<*>"),
        ("10.100.24.250,", "<*>,"),
        ("2607:f140:6000:8:c6b3:1ff:fecd:467f", "<*>"),
        ("b9000564-fe1a-409b-b8cc-1e88b294cd1d", "<*>"),
        ("113d3a99c3da401fbd62cc2caa5b96d2", "<*>"),
        ("/etc/httpd/conf/workers2.properties", "<*>"),
        ("proxy.cse.cuhk.edu.hk:5070", "<*>"),
        ("uid=0", "uid=<*>"),
        ("(uid=0)", "(uid=<*>)"),
        ("[1]", "[<*>]"),
        ("node-246", "node-<*>"),
        ("core.2218", "core.<*>"),
        ("appattempt_1445144423722_0020_000001", "<*>"),
        ("v6.1.7601.23505", "<*>"),
        ("11:46:19.229", "<*>"),
        ("<*>", "<*>"),
    ],
)
def test_variables_are_masked(token: str, masked: str) -> None:
    assert mask_token(token) == masked


@pytest.mark.parametrize("token", ["ssh2", "wl0", "en0:", "jk2_init()", "HTTPS", "terminating"])
def test_constants_are_kept(token: str) -> None:
    assert mask_token(token) == token


def test_masker_memo_is_bounded() -> None:
    masker = Masker(cache_size=10)
    for i in range(100):
        assert masker.mask([f"id{i}x", str(i)]) == [f"id{i}x", "<*>"]
    assert len(masker._cache) <= 10
