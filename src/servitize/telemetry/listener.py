"""``servitize telemetry listen``: an MQTT v5 subscriber that stores batches, then acknowledges.

Why it is fast and loses nothing (measured, see docs/telemetry.md):
- QoS 1 with a persistent session (fixed client id, clean_start False, a long session
  expiry) so the broker keeps unacknowledged messages while the listener is down.
- Manual acknowledgement: a PUBACK leaves only after the batch holding the message has been
  written and fsynced; a kill -9 before that makes the broker deliver it again, and the store
  drops the repeat by its key.
- MQTT v5 ``Receive Maximum``: with v3.1.1 Mosquitto keeps at most 20 unacknowledged messages
  in flight per client, so a batch larger than 20 would never fill; v5 lets us ask for up to
  65,535, enough for a whole batch.
- The network callback only appends (topic, payload, mid); parsing and validation happen per
  batch, and several packets are read per ``select`` while the socket has data.

Why it can be trusted:
- ``mqtts://user:password@host:8883`` with a CA and an optional client certificate.
- The topic's tenant must be the machine's account or site key (``wrong_tenant`` otherwise);
  no payload, however large, deep or malformed, stops the listener: it becomes a dead letter.
- Optional per-machine sequence numbers (``seq``): a jump is stored as a gap.
- One listener per client id and data folder (a lock file); a session taken over by another
  client with the same id backs off instead of taking it back at once, and warns.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from servitize.core.errors import Conflict, InvalidInput
from servitize.telemetry import rules
from servitize.telemetry.machines import Machine

if TYPE_CHECKING:  # pyarrow and Ibis load when a batch is written, not for `servitize --help`
    from servitize.telemetry.store import Batch, TelemetryStore

TOPIC = "servitize/+/+/+"
SESSION_EXPIRY_S = 7 * 24 * 3600
SERIAL_REFRESH_S = 30.0
SESSION_TAKEN_OVER = 142  # MQTT v5 DISCONNECT reason: another client connected with our id
STABLE_AFTER_S = 30.0  # a connection that lasted this long resets the reconnect back-off
MAX_BACKOFF_S = 60.0
log = logging.getLogger("servitize.telemetry.listener")
Known = set[str] | dict[str, Machine]


@dataclass
class ListenerStats:
    """What a listener has done so far."""

    messages: int = 0
    status: int = 0
    measure: int = 0
    flushes: int = 0
    dead_letters: Counter[str] = field(default_factory=Counter)
    connects: int = 0
    takeovers: int = 0
    short_connections: int = 0
    gaps: int = 0

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        return {
            "messages": self.messages,
            "status": self.status,
            "measure": self.measure,
            "flushes": self.flushes,
            "dead_letters": dict(self.dead_letters),
            "connects": self.connects,
            "takeovers": self.takeovers,
            "short_connections": self.short_connections,
            "gaps": self.gaps,
        }


@dataclass
class ListenerConfig:
    """Broker, session and batching settings."""

    url: str = "mqtt://127.0.0.1:1883"
    client_id: str = "servitize-telemetry"
    topic: str = TOPIC
    batch_size: int = 10_000
    max_delay_s: float = 0.5
    receive_maximum: int = 20_000
    ca_file: Path | None = None  # CA bundle that signed the broker's certificate (mqtts)
    cert_file: Path | None = None  # client certificate, when the broker asks for one
    key_file: Path | None = None
    limits: rules.Limits = rules.DEFAULT_LIMITS
    lock_dir: Path | None = None  # default: the store's folder


@dataclass(frozen=True)
class BrokerUrl:
    """What ``SERVITIZE_MQTT_URL`` says: ``mqtt[s]://[user[:password]@]host[:port]``."""

    host: str
    port: int
    tls: bool = False
    username: str | None = None
    password: str | None = None

    def redacted(self) -> str:
        """The URL without its password (for logs and output)."""
        user = (
            f"{self.username}:***@"
            if self.password
            else (f"{self.username}@" if self.username else "")
        )
        return f"{'mqtts' if self.tls else 'mqtt'}://{user}{self.host}:{self.port}"


def parse_url(url: str) -> BrokerUrl:
    """Parse a broker URL; ``mqtts``/``ssl`` mean TLS (default port 8883), ``mqtt``/``tcp`` 1883."""
    parts = urlparse(url if "://" in url else f"mqtt://{url}")
    scheme = parts.scheme.lower()
    if scheme not in ("mqtt", "tcp", "mqtts", "ssl", "tls"):
        raise InvalidInput(f"broker URL scheme must be mqtt or mqtts, got {scheme!r}")
    tls = scheme in ("mqtts", "ssl", "tls")
    try:
        port = parts.port or (8883 if tls else 1883)
    except ValueError as exc:
        raise InvalidInput(f"broker URL has a bad port: {exc}") from exc
    return BrokerUrl(
        parts.hostname or "127.0.0.1",
        port,
        tls,
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password is not None else None,
    )


def redact(url: str) -> str:
    """A broker URL fit for output: the password replaced by ``***``."""
    try:
        return parse_url(url).redacted()
    except InvalidInput:
        return re.sub(r"//[^@/]*@", "//***@", url)


class ListenerBusy(Conflict):
    """Another listener with the same client id already runs on this data folder."""


@contextmanager
def single_listener(folder: Path, client_id: str) -> Iterator[None]:
    """Hold ``folder/.listener-<client id>.lock`` while a listener runs; refuse a second one.

    Two listeners with one client id take the broker session from each other in a loop (one
    was seen reconnecting 94,356 times in 20 s), and would write the same batches twice.
    """
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", client_id)[:100]
    path = folder / f".listener-{safe}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 100, 0).decode(errors="replace").strip() or "another process"
            raise ListenerBusy(
                f"a listener with client id {client_id!r} already runs on {folder} "
                f"(pid {holder}); stop it or use another --client-id"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def now_us() -> int:
    """Microseconds since the epoch."""
    return time.time_ns() // 1000


class BufferedClient(mqtt.Client):
    """paho's client reading the socket 64 KiB at a time instead of 1-3 ``recv`` calls a packet."""

    _buffer = b""
    _at = 0

    def _sock_recv(self, bufsize: int) -> bytes:
        if self._at >= len(self._buffer):
            self._buffer = super()._sock_recv(65_536)  # raises BlockingIOError when empty
            self._at = 0
        start = self._at
        self._at = start + bufsize
        return self._buffer[start : self._at]

    def buffered(self) -> bool:
        """True while bytes read from the socket wait to be parsed."""
        return self._at < len(self._buffer)

    def ack_many(self, mids: list[int]) -> None:
        """Acknowledge QoS 1 messages with one write (PUBACK, reason 0: four bytes each)."""
        if self.want_write() or not isinstance(self._sock, socket.socket):
            # paho is mid-write (keep its packet order), or a transport with no sendall
            for mid in mids:
                self.ack(mid, 1)
            return
        self._sock.sendall(b"".join(b"\x40\x02" + mid.to_bytes(2, "big") for mid in mids))


class Listener:
    """Subscribe, batch, write durably, then acknowledge."""

    def __init__(
        self,
        store: TelemetryStore,
        serials: Callable[[], Known],
        config: ListenerConfig | None = None,
    ) -> None:
        """``serials`` gives the known machines: a mapping serial → ``Machine`` binds each to
        its tenants and install date; a plain set of serials checks only that they exist."""
        self.store = store
        self.config = config or ListenerConfig()
        self.broker = parse_url(self.config.url)
        self._load_serials = serials
        self.serials: Known = serials()
        self._serials_at = time.monotonic()
        self.stats = ListenerStats()
        self.pending: list[tuple[str, bytes, int, int]] = []
        self._first_pending = 0.0
        self.subscribed = False
        self._backoff = 0.0
        self._connected_at = 0.0
        self._taken_over = False
        self._state_path = store.root / "state" / f"sequence-{_safe(self.config.client_id)}.json"
        self._sequence: dict[str, list[int]] = _load_state(self._state_path)
        self._sequence_dirty = False
        self.client = self._client()

    def _client(self) -> BufferedClient:
        client = BufferedClient(
            CallbackAPIVersion.VERSION2,
            client_id=self.config.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        client.on_message = self._on_message
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_disconnect = self._on_disconnect
        if self.broker.username is not None:
            client.username_pw_set(self.broker.username, self.broker.password)
        if self.broker.tls:
            client.tls_set(
                ca_certs=str(self.config.ca_file) if self.config.ca_file else None,
                certfile=str(self.config.cert_file) if self.config.cert_file else None,
                keyfile=str(self.config.key_file) if self.config.key_file else None,
            )
        elif self.config.cert_file:
            raise InvalidInput("a client certificate needs an mqtts:// broker URL")
        return client

    def _on_message(self, _client: mqtt.Client, _userdata: object, msg: mqtt.MQTTMessage) -> None:
        if not self.pending:
            self._first_pending = time.monotonic()
        payload = msg.payload  # bytes as paho decodes a PUBLISH; its type also allows bytearray
        self.pending.append(
            (msg.topic, payload if isinstance(payload, bytes) else bytes(payload), msg.mid, msg.qos)
        )

    def _on_connect(
        self, client: mqtt.Client, _u: object, _f: object, reason: object, _p: object = None
    ) -> None:
        if getattr(reason, "is_failure", False):
            log.warning("broker %s refused the connection: %s", self.broker.redacted(), reason)
            return
        self.stats.connects += 1
        self._connected_at = time.monotonic()
        client.subscribe(self.config.topic, qos=1)

    def _on_disconnect(
        self, _client: mqtt.Client, _u: object, _f: object, reason: object, _p: object = None
    ) -> None:
        if getattr(reason, "value", None) == SESSION_TAKEN_OVER:
            self._taken_over = True
            self.stats.takeovers += 1
            log.warning(
                "another client connected with client id %r and took the session; backing "
                "off (two listeners must not share a client id)",
                self.config.client_id,
            )

    def _on_subscribe(self, *_args: object) -> None:
        self.subscribed = True

    def connect(self) -> None:
        """Open the persistent session and subscribe."""
        props = Properties(PacketTypes.CONNECT)
        props.ReceiveMaximum = min(self.config.receive_maximum, 65_535)
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        self.client.connect(
            self.broker.host, self.broker.port, keepalive=30, clean_start=False, properties=props
        )

    def run(self, should_stop: Callable[[], bool] = lambda: False) -> ListenerStats:
        """Process messages until ``should_stop()``; survives bad input and broker restarts.

        Raises ``ListenerBusy`` when a listener with the same client id runs on the same folder.
        """
        with single_listener(self.config.lock_dir or self.store.root, self.config.client_id):
            return self._run(should_stop)

    def _run(self, should_stop: Callable[[], bool]) -> ListenerStats:
        self.connect()
        client = self.client
        batch_size, max_delay = self.config.batch_size, self.config.max_delay_s
        while not should_stop():
            rc = client.loop(timeout=0.05)
            # loop() reads one packet per select; keep reading while packets keep coming.
            while rc == mqtt.MQTT_ERR_SUCCESS and len(self.pending) < batch_size:
                before = len(self.pending)
                rc = client.loop_read()
                if len(self.pending) == before and not client.buffered():
                    break
            if self.pending and (
                len(self.pending) >= batch_size
                or time.monotonic() - self._first_pending >= max_delay
            ):
                self.flush()
            if rc != mqtt.MQTT_ERR_SUCCESS:
                self.flush(ack=False)  # the broker re-sends what it did not see acknowledged
                self._reconnect(should_stop)
        self.flush()
        client.disconnect()
        return self.stats

    def _reconnect(self, should_stop: Callable[[], bool]) -> None:
        """Reconnect with a back-off that only a connection lasting a while resets: a session
        taken over by a client with the same id waits at least a second, doubling each time."""
        lasted = time.monotonic() - self._connected_at if self._connected_at else None
        if lasted is not None and lasted >= STABLE_AFTER_S:
            self._backoff = 0.0
        elif self._taken_over or lasted is not None:
            # Lost soon after connecting: most often another client with our id took the session
            # (Mosquitto 2.0 just closes the socket, without the v5 reason "session taken over").
            self._backoff = min(max(self._backoff * 2, 0.5), MAX_BACKOFF_S)
            self.stats.short_connections += 1
            log.warning(
                "connection to %s lost %.1f s after connecting; retrying in %.1f s (a second "
                "client with id %r takes the session from us?)",
                self.broker.redacted(),
                lasted or 0.0,
                self._backoff,
                self.config.client_id,
            )
        self._taken_over = False
        self._connected_at = 0.0
        while not should_stop():
            _sleep(self._backoff, should_stop)
            if should_stop():
                return
            try:
                if self.client.reconnect() == mqtt.MQTT_ERR_SUCCESS:
                    return
            except OSError:
                pass
            self._backoff = min(max(self._backoff * 2, 0.2), MAX_BACKOFF_S)

    def flush(self, ack: bool = True) -> None:
        """Validate the pending messages, write them durably, then acknowledge them."""
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        from servitize.telemetry.store import Batch

        batch = Batch()
        received = now_us()
        for topic, payload, _mid, _qos in pending:
            try:
                self._parse(batch, topic, payload, received)
            except Exception as exc:
                self._dead(
                    batch,
                    received,
                    topic,
                    None,
                    rules.Reason.unreadable,
                    f"{type(exc).__name__}: {str(exc)[:200]}",
                    payload,
                )
        written = self.store.write(batch)
        if self._sequence_dirty:
            _save_state(self._state_path, self._sequence)
            self._sequence_dirty = False
        if ack:
            self.client.ack_many([mid for _t, _p, mid, qos in pending if qos == 1])
        self.stats.messages += len(pending)
        self.stats.status += written.get("status", 0)
        self.stats.measure += written.get("measure", 0)
        self.stats.flushes += 1

    def _known(self, serial: str) -> bool:
        if serial in self.serials:
            return True
        self._refresh()  # a new asset may exist now
        return serial in self.serials

    def _refresh(self) -> None:
        """Reload the machines, at most every ``SERIAL_REFRESH_S`` seconds."""
        if time.monotonic() - self._serials_at > SERIAL_REFRESH_S:
            self.serials, self._serials_at = self._load_serials(), time.monotonic()

    def _parse(self, batch: Batch, topic: str, payload: bytes, received: int) -> None:
        parts = rules.split_topic(topic)
        if parts is None:
            self._dead(
                batch,
                received,
                topic,
                None,
                rules.Reason.bad_topic,
                "topic is not servitize/<tenant>/<serial>/status|measure",
                payload,
            )
            return
        tenant, serial, kind = parts
        limits = self.config.limits
        if len(serial) > limits.max_field_chars:
            self._dead(
                batch,
                received,
                topic,
                None,
                rules.Reason.field_too_long,
                f"serial has {len(serial)} characters; at most {limits.max_field_chars}",
                payload,
            )
            return
        if not self._known(serial):
            self._dead(
                batch,
                received,
                topic,
                serial,
                rules.Reason.unknown_serial,
                f"no asset has serial {serial!r}",
                payload,
            )
            return
        machine = self.serials.get(serial) if isinstance(self.serials, dict) else None
        if machine is not None and tenant not in machine.tenants:
            self._refresh()  # the machine may have moved to another account or site
            machine = self.serials.get(serial) if isinstance(self.serials, dict) else None
        if machine is not None and tenant not in machine.tenants:
            self._dead(
                batch,
                received,
                topic,
                serial,
                rules.Reason.wrong_tenant,
                f"machine {serial!r} does not belong to tenant {tenant!r}",
                payload,
            )
            return
        not_before = machine.not_before_us if machine is not None else None
        for item in rules.message(kind, serial, payload, received, limits, not_before):
            if isinstance(item, rules.Status):
                batch.add_status(serial, item.ts_us, item.state, item.reason, received, "mqtt")
            elif isinstance(item, rules.Measure):
                batch.add_measure(
                    serial, item.ts_us, item.metric, item.value, item.unit, received, "mqtt"
                )
            else:
                self._dead(batch, received, topic, serial, item.reason, item.detail, payload)
                continue
            if item.seq is not None:
                self._sequence_check(batch, serial, item.seq, item.ts_us, received)

    def _sequence_check(
        self, batch: Batch, serial: str, seq: int, ts_us: int, received: int
    ) -> None:
        """A sequence number more than one above the last one seen is a gap; a lower one is
        a restarted counter (or a repeat) and starts counting again."""
        last = self._sequence.get(serial)
        self._sequence[serial] = [seq, ts_us]
        self._sequence_dirty = True
        if last is None or seq <= last[0] + 1:
            if last is not None and seq == last[0]:
                self._sequence[serial] = [seq, max(ts_us, last[1])]
            return
        missing = seq - last[0] - 1
        batch.add_gap(
            serial,
            last[1],
            ts_us,
            "sequence",
            missing,
            f"sequence {last[0]} then {seq}: {missing} readings never arrived",
            received,
            "mqtt",
        )
        self.stats.gaps += 1
        log.warning(
            "telemetry gap on %s: %d readings missing between sequence %d and %d",
            serial,
            missing,
            last[0],
            seq,
        )

    def _dead(
        self,
        batch: Batch,
        received: int,
        topic: str,
        serial: str | None,
        reason: str,
        detail: str,
        payload: bytes,
    ) -> None:
        batch.add_dead_letter(received, "mqtt", topic, serial, reason, detail, payload)
        self.stats.dead_letters[reason] += 1


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:100]


def _sleep(seconds: float, should_stop: Callable[[], bool]) -> None:
    end = time.monotonic() + seconds
    while not should_stop() and time.monotonic() < end:
        time.sleep(min(0.1, max(end - time.monotonic(), 0)))


def _load_state(path: Path) -> dict[str, list[int]]:
    """The last sequence number and time per serial, kept across restarts (an outage of the
    listener is exactly when the broker may drop messages)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {k: [int(v[0]), int(v[1])] for k, v in data.items()} if isinstance(data, dict) else {}


def _save_state(path: Path, state: dict[str, list[int]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, separators=(",", ":")))
    os.replace(tmp, path)
