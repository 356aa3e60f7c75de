"""Behaviour of the template miner on literal log lines."""

from __future__ import annotations

from rlog_tui.templates import MinerConfig, TemplateEvent, TemplateMiner

HDFS_RECEIVING = [
    "Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: /10.250.19.102:50010",
    "Receiving block blk_7503483334202473044 src: /10.251.215.16:55695 dest: /10.251.215.16:50010",
    "Receiving block blk_-3544583377289625738 src: /10.250.19.102:39325 dest: /10.250.19.102:50010",
]


def _miner(**kwargs: object) -> TemplateMiner:
    return TemplateMiner(MinerConfig(strip_headers=False, **kwargs))  # type: ignore[arg-type]


def test_three_hdfs_lines_make_one_template() -> None:
    miner = _miner()
    results = [miner.add(line) for line in HDFS_RECEIVING]
    assert {r.template_id for r in results} == {1}
    assert results[0].change == "new"
    assert [r.change for r in results[1:]] == ["none", "none"]
    assert results[-1].template == "Receiving block <*> src: <*> dest: <*>"
    (tpl,) = miner.templates()
    assert tpl.count == 3


def test_generalisation_keeps_the_id_and_reports_it() -> None:
    miner = _miner()
    events: list[TemplateEvent] = []
    miner.on_event(events.append)
    first = miner.add("Connection closed by alice", line_no=1)
    second = miner.add("Connection closed by bob", line_no=2)
    third = miner.add("Connection closed by carol", line_no=3)
    assert first.template_id == second.template_id == third.template_id
    assert (first.change, second.change, third.change) == ("new", "generalised", "none")
    assert third.template == "Connection closed by <*>"
    assert [(e.change, e.template_id, e.line_no) for e in events] == [
        ("new", 1, 1),
        ("generalised", 1, 2),
    ]


def test_generalisation_keeps_constant_parts_of_a_token() -> None:
    miner = _miner()
    miner.add("authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.0.0.1")
    result = miner.add(
        "authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=host.example.org"
    )
    assert result.template == (
        "authentication failure; logname= uid=<*> euid=<*> tty=ssh ruser= rhost=<*>"
    )


def test_different_messages_get_different_templates() -> None:
    miner = _miner()
    a = miner.add("PacketResponder 1 for block blk_38865049064139660 terminating")
    b = miner.add("Verification succeeded for blk_-4980916519894289629")
    assert a.template_id != b.template_id
    assert a.template == "PacketResponder <*> for block <*> terminating"
    assert b.template == "Verification succeeded for <*>"


def test_bookkeeping_of_counts_lines_and_times() -> None:
    miner = _miner()
    miner.add("worker 1 started", line_no=10, timestamp=100.0)
    miner.add("worker 2 started", line_no=20, timestamp=200.0)
    tpl = miner.get(1)
    assert tpl is not None
    assert (tpl.id, tpl.text, tpl.count) == (1, "worker <*> started", 2)
    assert (tpl.first_line, tpl.last_line) == (10, 20)
    assert (tpl.first_seen, tpl.last_seen) == (100.0, 200.0)


def test_match_does_not_learn() -> None:
    miner = _miner()
    miner.add("Connection closed by alice")
    assert miner.match("Connection closed by alice") is not None
    assert miner.match("Connection closed by bob") is None
    assert miner.match("Something else entirely") is None
    (tpl,) = miner.templates()
    assert (tpl.text, tpl.count) == ("Connection closed by alice", 1)
    miner.add("Connection closed by bob")
    matched = miner.match("Connection closed by dave")
    assert matched is not None and matched.id == 1


def test_lru_eviction_never_renumbers_ids() -> None:
    miner = _miner(max_templates=2)
    a = miner.add("alpha happened here")
    b = miner.add("beta went wrong there")
    miner.add("alpha happened here")  # alpha is now more recent than beta
    c = miner.add("gamma finished quickly now")
    assert (a.template_id, b.template_id, c.template_id) == (1, 2, 3)
    assert [t.id for t in miner.templates()] == [1, 3]
    assert miner.get(2) is None
    again = miner.add("beta went wrong there")
    assert again.template_id == 4 and again.change == "new"
    assert [t.id for t in miner.templates()] == [3, 4]


def test_same_input_gives_same_output() -> None:
    lines = [f"job {i % 7} stage {i % 3} finished in {i} ms on node{i % 5}" for i in range(300)]
    lines += [f"user u{i % 11} logged {'in' if i % 2 else 'out'}" for i in range(300)]

    def run() -> list[tuple[int, str, str]]:
        miner = _miner()
        out = [tuple(miner.add(line)) for line in lines]
        return out + [(t.id, t.text, str(t.count)) for t in miner.templates()]

    assert run() == run()


def test_headers_are_stripped_before_mining() -> None:
    miner = TemplateMiner()
    a = miner.add(
        "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block "
        "blk_38865049064139660 terminating"
    )
    b = miner.add(
        "081109 203807 222 INFO dfs.DataNode$PacketResponder: PacketResponder 0 for block "
        "blk_-6952295868487656571 terminating"
    )
    assert a.template_id == b.template_id
    assert b.template == "PacketResponder <*> for block <*> terminating"
