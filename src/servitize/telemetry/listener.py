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
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from servitize.telemetry import paho_speed, rules
from servitize.telemetry.store import Batch, TelemetryStore

TOPIC = "servitize/+/+/+"
SESSION_EXPIRY_S = 7 * 24 * 3600
SERIAL_REFRESH_S = 30.0


@dataclass
class ListenerStats:
    """What a listener has done so far."""

    messages: int = 0
    status: int = 0
    measure: int = 0
    flushes: int = 0
    dead_letters: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        return {"messages": self.messages, "status": self.status, "measure": self.measure,
                "flushes": self.flushes, "dead_letters": dict(self.dead_letters)}


@dataclass
class ListenerConfig:
    """Broker, session and batching settings."""

    url: str = "mqtt://127.0.0.1:1883"
    client_id: str = "servitize-telemetry"
    topic: str = TOPIC
    batch_size: int = 10_000
    max_delay_s: float = 0.5
    receive_maximum: int = 20_000


def parse_url(url: str) -> tuple[str, int]:
    """Host and port of an ``mqtt://host:port`` URL."""
    parts = urlparse(url if "://" in url else f"mqtt://{url}")
    return parts.hostname or "127.0.0.1", parts.port or 1883


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
        return self._buffer[start:self._at]

    def buffered(self) -> bool:
        """True while bytes read from the socket wait to be parsed."""
        return self._at < len(self._buffer)

    def ack_many(self, mids: list[int]) -> None:
        """Acknowledge QoS 1 messages with one write (PUBACK, reason 0: four bytes each)."""
        if self.want_write() or self._sock is None:  # paho is mid-write: keep its packet order
            for mid in mids:
                self.ack(mid, 1)
            return
        self._sock.sendall(b"".join(b"\x40\x02" + mid.to_bytes(2, "big") for mid in mids))


class Listener:
    """Subscribe, batch, write durably, then acknowledge."""

    def __init__(self, store: TelemetryStore, serials: Callable[[], set[str]],
                 config: ListenerConfig | None = None) -> None:
        self.store = store
        self.config = config or ListenerConfig()
        self._load_serials = serials
        self.serials = serials()
        self._serials_at = time.monotonic()
        self.stats = ListenerStats()
        self.pending: list[tuple[str, bytes, int, int]] = []
        self._first_pending = 0.0
        self.subscribed = False
        paho_speed.install()
        self.client = self._client()

    def _client(self) -> BufferedClient:
        client = BufferedClient(CallbackAPIVersion.VERSION2, client_id=self.config.client_id,
                             protocol=mqtt.MQTTv5, manual_ack=True)
        client.on_message = self._on_message
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        return client

    def _on_message(self, _client: mqtt.Client, _userdata: object, msg: mqtt.MQTTMessage) -> None:
        if not self.pending:
            self._first_pending = time.monotonic()
        self.pending.append((msg.topic, msg.payload, msg.mid, msg.qos))

    def _on_connect(self, client: mqtt.Client, _u: object, _f: object, reason: object,
                    _p: object = None) -> None:
        if not getattr(reason, "is_failure", False):
            client.subscribe(self.config.topic, qos=1)

    def _on_subscribe(self, *_args: object) -> None:
        self.subscribed = True

    def connect(self) -> None:
        """Open the persistent session and subscribe."""
        props = Properties(PacketTypes.CONNECT)
        props.ReceiveMaximum = min(self.config.receive_maximum, 65_535)
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        host, port = parse_url(self.config.url)
        self.client.connect(host, port, keepalive=30, clean_start=False, properties=props)

    def run(self, should_stop: Callable[[], bool] = lambda: False) -> ListenerStats:
        """Process messages until ``should_stop()``; survives bad input and broker restarts."""
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
            if self.pending and (len(self.pending) >= batch_size
                                 or time.monotonic() - self._first_pending >= max_delay):
                self.flush()
            if rc != mqtt.MQTT_ERR_SUCCESS:
                self.flush(ack=False)  # the broker re-sends what it did not see acknowledged
                self._reconnect(should_stop)
        self.flush()
        client.disconnect()
        return self.stats

    def _reconnect(self, should_stop: Callable[[], bool]) -> None:
        delay = 0.2
        while not should_stop():
            try:
                if self.client.reconnect() == mqtt.MQTT_ERR_SUCCESS:
                    return
            except OSError:
                pass
            time.sleep(delay)
            delay = min(delay * 2, 5.0)

    def flush(self, ack: bool = True) -> None:
        """Validate the pending messages, write them durably, then acknowledge them."""
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        batch = Batch()
        received = now_us()
        for topic, payload, _mid, _qos in pending:
            self._parse(batch, topic, payload, received)
        written = self.store.write(batch)
        if ack:
            self.client.ack_many([mid for _t, _p, mid, qos in pending if qos == 1])
        self.stats.messages += len(pending)
        self.stats.status += written.get("status", 0)
        self.stats.measure += written.get("measure", 0)
        self.stats.flushes += 1

    def _known(self, serial: str) -> bool:
        if serial in self.serials:
            return True
        if time.monotonic() - self._serials_at > SERIAL_REFRESH_S:  # a new asset may exist now
            self.serials, self._serials_at = self._load_serials(), time.monotonic()
        return serial in self.serials

    def _parse(self, batch: Batch, topic: str, payload: bytes, received: int) -> None:
        parts = rules.split_topic(topic)
        if parts is None:
            self._dead(batch, received, topic, None, rules.Reason.bad_topic,
                       "topic is not servitize/<tenant>/<serial>/status|measure", payload)
            return
        _tenant, serial, kind = parts
        if not self._known(serial):
            self._dead(batch, received, topic, serial, rules.Reason.unknown_serial,
                       f"no asset has serial {serial!r}", payload)
            return
        for item in rules.message(kind, serial, payload, received):
            if isinstance(item, rules.Status):
                batch.add_status(serial, item.ts_us, item.state, item.reason, received, "mqtt")
            elif isinstance(item, rules.Measure):
                batch.add_measure(serial, item.ts_us, item.metric, item.value, item.unit,
                                  received, "mqtt")
            else:
                self._dead(batch, received, topic, serial, item.reason, item.detail, payload)

    def _dead(self, batch: Batch, received: int, topic: str, serial: str | None, reason: str,
              detail: str, payload: bytes) -> None:
        batch.add_dead_letter(received, "mqtt", topic, serial, reason, detail, payload)
        self.stats.dead_letters[reason] += 1
