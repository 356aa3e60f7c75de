"""Log-parsing items generated from message skeletons written for rlog, for the shapes the seven
training systems barely show.

Why: R-Log's 1,400 parsing items are the first 200 lines of seven Loghub systems, a few dozen
templates repeated. On the nine unseen systems the shipped adapter (stage 6, README sample) leaves
whole values in the template (``/etc/httpd/conf/workers2.properties``, ``0x800f080d``, UUIDs,
``[Thunderbird_A7]``), ends the template at its first ``<*>`` (``Session: <*>`` for ``Session:
30546174_156625965 initialized by client WindowsUpdateAgent.``) and writes ``⟨`` for ``[``. Those
are kinds of value and of line, not systems: this module writes lines that show them.

Each skeleton below was written here (fictional services, in the shapes the formats' own
documentation shows: key=value pairs, request lines, paths, ids in brackets), never copied from a
dataset. A slot ``{kind}`` is filled with a random value of that kind; the label is the skeleton
with each slot written as Loghub's corrected templates write it: a whole value is ``<*>``; a
decimal is ``<*>.<*>``; an address with its port ``<*>:<*>``; a value inside a token keeps the
token's constant part (``worker_<*>``); a clock time keeps its separators. Lines are built so that
constant text often follows the last value, and some have no value at all (copied whole).
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable

from rlog_train.data.examples import Example
from rlog_train.data.short_reason import parsing_reason
from rlog_tui.protocol import TASKS, Task

SOURCE = "synthetic/parsing"
"""``Example.source`` of a generated item (and its ``system``: sampling keeps them together)."""

WILDCARD = "<*>"

_NAMES = (
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
    "mallory", "oscar", "peggy", "trent", "victor", "walter", "admin", "backup", "deploy", "nobody",
)  # fmt: skip
_WORDS = (
    "data", "cache", "index", "report", "config", "archive", "session", "upload", "image", "model",
    "queue", "store", "backup", "export", "import", "events", "metrics", "users", "orders", "jobs",
)  # fmt: skip
_DIRS = ("var", "lib", "etc", "opt", "srv", "home", "tmp", "usr", "local", "share", "log", "run")
_EXTENSIONS = ("conf", "log", "json", "xml", "properties", "db", "sock", "pid", "tmp", "dat")
_HOSTS = ("web", "db", "node", "cache", "worker", "gateway", "storage", "auth", "api", "batch")
_DOMAINS = ("example.com", "corp.example.net", "lab.local", "internal", "example.org")


def _int(rng: random.Random) -> str:
    return str(rng.randint(0, 10 ** rng.randint(1, 6)))


def _hex(rng: random.Random) -> str:
    return "0x" + "".join(rng.choices("0123456789abcdef", k=rng.choice((4, 8, 8, 16))))


def _hex_id(rng: random.Random) -> str:
    return "".join(rng.choices("0123456789abcdef", k=rng.choice((12, 16, 24, 32))))


def _uuid(rng: random.Random) -> str:
    return "-".join("".join(rng.choices("0123456789abcdef", k=n)) for n in (8, 4, 4, 4, 12))


def _ip(rng: random.Random) -> str:
    return ".".join(str(rng.randint(1, 254)) for _ in range(4))


def _port(rng: random.Random) -> str:
    return str(rng.randint(1024, 65535))


def _path(rng: random.Random) -> str:
    parts = rng.sample(_DIRS, rng.randint(1, 3)) + rng.sample(_WORDS, rng.randint(0, 2))
    name = f"{rng.choice(_WORDS)}{rng.choice(('', str(rng.randint(1, 99))))}"
    return "/" + "/".join([*parts, f"{name}.{rng.choice(_EXTENSIONS)}"])


def _url_path(rng: random.Random) -> str:
    parts = [rng.choice(("api", "v1", "v2", "static", "admin"))]
    parts += [rng.choice(_WORDS), rng.choice((_int(rng), _hex_id(rng), rng.choice(_WORDS)))]
    return "/" + "/".join(parts)


def _user(rng: random.Random) -> str:
    return rng.choice(_NAMES)


def _host(rng: random.Random) -> str:
    name = f"{rng.choice(_HOSTS)}{rng.choice(('-', ''))}{rng.randint(1, 40):02d}"
    return name if rng.random() < 0.5 else f"{name}.{rng.choice(_DOMAINS)}"


def _code(rng: random.Random) -> str:
    """A short id of letters and digits, as a component or rack name (``A7``, ``c3r12``)."""
    return rng.choice(string.ascii_uppercase) + str(rng.randint(0, 99))


def _ints(rng: random.Random) -> str:
    """Several numbers in a row, one value for the template (adjacent ``<*>`` merge)."""
    return " ".join(str(rng.randint(0, 200)) for _ in range(rng.randint(2, 8)))


_Value = Callable[[random.Random], str]
_SLOTS: dict[str, tuple[_Value, str]] = {
    "int": (_int, WILDCARD),
    "hex": (_hex, WILDCARD),
    "hexid": (_hex_id, WILDCARD),
    "uuid": (_uuid, WILDCARD),
    "ip": (_ip, WILDCARD),
    "port": (_port, WILDCARD),
    "path": (_path, WILDCARD),
    "url": (_url_path, WILDCARD),
    "user": (_user, WILDCARD),
    "host": (_host, WILDCARD),
    "code": (_code, WILDCARD),
    "ints": (_ints, WILDCARD),
}
"""Each slot kind: its value, and how the label writes it."""

_COMPOSITE: dict[str, tuple[str, str]] = {
    "float": ("{int}.{int}", "<*>.<*>"),
    "addr": ("{ip}:{port}", "<*>:<*>"),
    "clock": ("{hh}:{mm}:{ss}", "<*>:<*>:<*>"),
    "date": ("{yyyy}-{mo}-{dd}", "<*>-<*>-<*>"),
}
"""Slots that are several values with constant separators between them."""

SKELETONS: tuple[str, ...] = (
    "Connection from {addr} closed after {int} requests",
    "Accepted connection from {addr} on listener {int}",
    "user {user} logged in from {ip} using key {hexid}",
    "Failed password for invalid user {user} from {ip} port {port} ssh2",
    "session {int} opened for user {user} by (uid={int})",
    "Loaded configuration from {path} in {float} seconds",
    "could not open {path}: permission denied",
    "Removing stale lock file {path}",
    "Writing checkpoint to {path} ({int} bytes)",
    '{ip} "GET {url} HTTP/1.1" status: {int} len: {int} time: {float}',
    '{ip} - - "POST {url} HTTP/1.1" {int} {int}',
    "request {uuid} finished with status {int} after {int} ms",
    "[instance: {uuid}] Claim successful on node {host}",
    "[instance: {uuid}] Deleting instance files {path}",
    "[job {int}] retry {int} of {int} scheduled in {int} seconds",
    "[{host}] disk usage at {int} percent on {path}",
    "Thread-{int} acquired lock {hex} for table {user}",
    "worker_{int} picked task {uuid} from queue default",
    "task_{int} on executor {int} finished in {int} ms on host {host}",
    "Registered handler {hex} for signal {int}",
    "page fault at address {hex} in process {int}",
    "Firmware returned error code {hex} while reading sensor {code}",
    "HRESULT = {hex} while applying update package for component {code}",
    "rack {code} slot {int} reported temperature {float} C",
    "node {host} joined the cluster with id {hexid}",
    "heartbeat from {host} missed for {int} seconds, marking it down",
    "Lease {hexid} expired for client {ip}",
    "synchronized clock to {ip}, offset {float} ms",
    "Interface eth{int} link up, speed {int} Mb/s, full duplex",
    "Supported rates {ints} Mbps",
    "Scheduled backup {uuid} at {date} {clock}",
    "Cron job started at {clock} by {user}",
    "Checkpoint at {date} {clock} took {float} s",
    "GC pause {float} ms, heap {int} MB of {int} MB",
    "Cache hit ratio {float} over the last {int} requests",
    "Evicted {int} entries from cache {user} in {float} ms",
    "Query returned {int} rows in {float} seconds for tenant {hexid}",
    "Transaction {hexid} rolled back: deadlock detected",
    "Replica {host} is {int} seconds behind the primary",
    "Mounted volume {uuid} at {path}",
    "Unmounting {path} because the device is busy",
    "Container {hexid} exited with code {int}",
    "Pulling image registry {host} layer {hexid}",
    "Pod worker_{int} restarted {int} times in the last hour",
    "Certificate for {host} expires in {int} days",
    "TLS handshake with {addr} failed: unknown certificate authority",
    "DNS lookup for {host} timed out after {int} ms",
    "Received signal {int}, shutting down gracefully",
    "Listening on {addr} with {int} worker threads",
    "Service started in {float} seconds",
    "Service stopped by administrator",
    "Configuration reloaded without errors",
    "Health check passed",
    "No new messages in the queue",
    "Battery level {int} percent, charging state {int}",
    "Screen turned off by timeout after {int} ms",
    "App com.example.{user} moved to background after {int} ms",
    "Package {user}-{int}.{int} installed for user {int}",
    "Sending report {hexid} to {ip} failed, will retry",
    "Downloaded {int} of {int} bytes from {url}",
    "Quota exceeded for user {user}: {int} of {int} files",
    "kernel: CPU{int} temperature above threshold, cpu clock throttled",
    "kernel: eth{int}: transmit timeout, resetting adapter",
    "kernel: Out of memory: killed process {int} ({user})",
    "sshd[{int}]: Disconnected from user {user} {ip} port {port}",
    "systemd[{int}]: Started session {int} of user {user}.",
    "audit: type={int} msg=audit({int}.{int}:{int}): pid={int} uid={int}",
    "Peer {addr} sent an invalid message of {int} bytes",
    "Block {hexid} replicated to {int} of {int} nodes",
    "Snapshot {int} of volume {uuid} created",
    "Updated routing table: {int} routes via {ip}",
    "Rack {code} power supply {int} is not responding",
    "fan {int} speed {int} RPM below minimum {int} RPM on {host}",
)
"""The message skeletons (written for rlog; see the module docstring)."""

_CLOCK_PARTS: dict[str, Callable[[random.Random], str]] = {
    "hh": lambda rng: f"{rng.randint(0, 23):02d}",
    "mm": lambda rng: f"{rng.randint(0, 59):02d}",
    "ss": lambda rng: f"{rng.randint(0, 59):02d}",
    "yyyy": lambda rng: str(rng.randint(2015, 2026)),
    "mo": lambda rng: f"{rng.randint(1, 12):02d}",
    "dd": lambda rng: f"{rng.randint(1, 28):02d}",
}
_FIELD = re.compile(r"\{(\w+)\}")


def _fill(skeleton: str, rng: random.Random) -> tuple[str, str]:
    """One line of ``skeleton`` and its template."""
    line: list[str] = []
    template: list[str] = []
    position = 0
    for field in _FIELD.finditer(skeleton):
        constant = skeleton[position : field.start()]
        line.append(constant)
        template.append(constant)
        kind = field.group(1)
        if kind in _COMPOSITE:
            inner, written = _COMPOSITE[kind]
            value, _ = _fill(inner, rng)
            line.append(value)
            template.append(written)
        elif kind in _CLOCK_PARTS:
            line.append(_CLOCK_PARTS[kind](rng))
            template.append(WILDCARD)
        else:
            make, written = _SLOTS[kind]
            line.append(make(rng))
            template.append(written)
        position = field.end()
    line.append(skeleton[position:])
    template.append(skeleton[position:])
    return "".join(line), "".join(template)


def synthetic_parsing(count: int, seed: int = 0) -> list[Example]:
    """``count`` generated parsing items (fixed by ``seed``), every skeleton in turn; the
    reasoning is the parsing reason built from the label, as for R-Log's own items."""
    rng = random.Random(seed)
    instruction = TASKS[Task.PARSE].instruction
    order = list(SKELETONS)
    rng.shuffle(order)
    items = []
    for n in range(count):
        line, template = _fill(order[n % len(order)], rng)
        items.append(
            Example(
                task=Task.PARSE,
                instruction=instruction,
                input=line,
                label=template,
                reasoning=parsing_reason(line, template),
                source=SOURCE,
                system=SOURCE,
            )
        )
    return items
