"""Header stripping on raw lines of common formats (copied from Loghub-2k)."""

from __future__ import annotations

import pytest

from rlog_tui.templates import HeaderStripper, MinerConfig, TemplateMiner


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (  # HDFS: date time pid level component:
            "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block "
            "blk_38865049064139660 terminating",
            "PacketResponder 1 for block blk_38865049064139660 terminating",
        ),
        (  # Apache error log: [date] [level]; [client ...] belongs to the message
            "[Sun Dec 04 04:51:18 2005] [error] [client 81.37.36.193] Directory index forbidden",
            "[client 81.37.36.193] Directory index forbidden",
        ),
        (  # syslog: month day time host proc[pid]:
            "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown",
            "check pass; user unknown",
        ),
        (
            "Dec 10 06:55:46 LabSZ sshd[24200]: reverse mapping checking getaddrinfo failed",
            "reverse mapping checking getaddrinfo failed",
        ),
        (  # BGL: alert epoch date node datetime node type component level
            "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 "
            "R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected",
            "instruction cache parity error corrected",
        ),
        (  # BGL: a number right after the level is message, not pid
            "- 1117842440 2005.06.03 R23-M0-NE-C:J05-U01 2005-06-03-16.47.20.730545 "
            "R23-M0-NE-C:J05-U01 RAS KERNEL INFO 63543 double-hummer alignment exceptions",
            "63543 double-hummer alignment exceptions",
        ),
        (  # OpenStack: file date time pid level logger [request]
            "nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO "
            "nova.osapi_compute.wsgi.server [req-38101a0b-2096-447d-96ea-a692162415ae "
            "113d3a99c3da401fbd62cc2caa5b96d2 54fadb412c4e40cdbaed9335e4c35a9e - - -] "
            '10.11.10.1 "GET /v2/54fadb412c4e/servers/detail HTTP/1.1" status: 200',
            '10.11.10.1 "GET /v2/54fadb412c4e/servers/detail HTTP/1.1" status: 200',
        ),
        (  # OpenStack: [instance: ...] is message
            "nova-compute.log.1.2017-05-16_13:55:31 2017-05-16 00:00:04.500 2931 INFO "
            "nova.compute.manager [req-3ea4052c-895d-4b64-9e2d-04d64c4d94ab - - - - -] "
            "[instance: b9000564-fe1a-409b-b8cc-1e88b294cd1d] VM Started (Lifecycle Event)",
            "[instance: b9000564-fe1a-409b-b8cc-1e88b294cd1d] VM Started (Lifecycle Event)",
        ),
        (  # Hadoop / log4j: date time level [thread] logger:
            "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: "
            "Created MRAppMaster for application appattempt_1445144423722_0020_000001",
            "Created MRAppMaster for application appattempt_1445144423722_0020_000001",
        ),
        (  # Zookeeper: nested brackets in the thread name
            "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:"
            "FastLeaderElection@774] - Notification time out: 3200",
            "Notification time out: 3200",
        ),
        (  # Android logcat: date time pid tid level tag:
            "03-17 16:13:38.819  1702  8671 D PowerManagerService: "
            "acquire lock=233570404, flags=0x1",
            "acquire lock=233570404, flags=0x1",
        ),
        (  # Spark
            "17/06/09 20:10:40 INFO spark.SecurityManager: Changing view acls to: yarn,curi",
            "Changing view acls to: yarn,curi",
        ),
    ],
)
def test_header_is_stripped(raw: str, message: str) -> None:
    assert HeaderStripper().strip(raw) == message


@pytest.mark.parametrize(
    "line",
    ["PacketResponder 1 for block blk_1 terminating", "[client 1.2.3.4] File does not exist", ""],
)
def test_line_without_a_header_is_unchanged(line: str) -> None:
    assert HeaderStripper().strip(line) == line


def test_custom_patterns_replace_the_defaults() -> None:
    strip = HeaderStripper(
        lead_patterns=[r"<\d+>\s*"], follow_patterns=[], after_level_patterns=[]
    ).strip
    assert strip("<13> INFO disk full") == "disk full"
    assert strip("2015-10-18 18:01:47 INFO disk full") == ("2015-10-18 18:01:47 INFO disk full")


def test_miner_uses_configured_patterns() -> None:
    miner = TemplateMiner(MinerConfig(lead_patterns=[r"@\S+\s+"], component_pattern=None))
    a = miner.add("@host1 disk sda is full now")
    b = miner.add("@host2 disk sdb is full now")
    assert a.template_id == b.template_id
    assert b.template == "disk <*> is full now"
