"""``servitize telemetry doctor``: what the broker shows of its durability, and what production needs.

What can be observed from a client:
- that the broker accepts our credentials and TLS settings;
- its version (``$SYS/broker/version``, when the ACL lets us read it);
- whether it keeps a persistent session (``session present`` on reconnect);
- how many QoS 1 messages it queues for an absent subscriber: ``probe`` messages are sent while
  a probe session is offline; fewer arriving after reconnect means ``max_queued_messages``
  (Mosquitto's default: 1000) drops data during a listener outage.
Whether the broker writes its queue to disk (``persistence true``) cannot be seen without
restarting it; the report says so.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from servitize.telemetry.listener import BrokerUrl, ListenerConfig, parse_url

PROBE_MESSAGES = 1_500  # above Mosquitto's default queue of 1000


@dataclass
class Finding:
    """One check: ok, warn or fail, and what to do."""

    check: str
    status: str
    detail: str


@dataclass
class Report:
    """All findings; ``ok`` when none failed or warned."""

    findings: list[Finding] = field(default_factory=list)

    def add(self, check: str, status: str, detail: str) -> None:
        """Record one finding."""
        self.findings.append(Finding(check, status, detail))

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return all(f.status in ("ok", "info") for f in self.findings)

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON."""
        return {"ok": self.ok, "findings": [f.__dict__ for f in self.findings]}


class _Probe:
    def __init__(self, broker: BrokerUrl, config: ListenerConfig, client_id: str) -> None:
        self.received = 0
        self.session_present: bool | None = None
        self.connected = threading.Event()
        self.refused: str | None = None
        self.sys: dict[str, str] = {}
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5
        )
        if broker.username is not None:
            self.client.username_pw_set(broker.username, broker.password)
        if broker.tls:
            self.client.tls_set(
                ca_certs=str(config.ca_file) if config.ca_file else None,
                certfile=str(config.cert_file) if config.cert_file else None,
                keyfile=str(config.key_file) if config.key_file else None,
            )
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.broker = broker

    def _on_connect(
        self, _c: object, _u: object, flags: object, reason: object, _p: object = None
    ) -> None:
        if getattr(reason, "is_failure", False):
            self.refused = str(reason)
        else:
            self.session_present = bool(getattr(flags, "session_present", False))
        self.connected.set()

    def _on_message(self, _c: object, _u: object, msg: mqtt.MQTTMessage) -> None:
        if msg.topic.startswith("$SYS/"):
            self.sys[msg.topic] = msg.payload.decode(errors="replace")
        else:
            self.received += 1

    def connect(self, clean: bool, expiry: int, timeout: float) -> bool:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = expiry
        self.connected.clear()
        self.client.connect(
            self.broker.host, self.broker.port, keepalive=30, clean_start=clean, properties=props
        )
        self.client.loop_start()
        return self.connected.wait(timeout) and self.refused is None

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _wait(predicate, seconds: float) -> None:
    end = time.monotonic() + seconds
    while not predicate() and time.monotonic() < end:
        time.sleep(0.05)


def diagnose(
    config: ListenerConfig, probe_messages: int = PROBE_MESSAGES, timeout: float = 5.0
) -> Report:
    """Run the checks against the broker of ``config``; never raises for a broker problem."""
    report = Report()
    broker = parse_url(config.url)
    tag = uuid.uuid4().hex[:10]
    topic = f"servitize-doctor/{tag}"
    sub = _Probe(broker, config, f"servitize-doctor-{tag}")
    try:
        if not sub.connect(clean=True, expiry=300, timeout=timeout):
            report.add(
                "connect",
                "fail",
                f"{broker.redacted()} refused or did not answer: {sub.refused or 'timeout'}",
            )
            return report
    except (OSError, ValueError) as exc:
        report.add("connect", "fail", f"cannot reach {broker.redacted()}: {exc}")
        return report
    report.add(
        "connect",
        "ok",
        f"connected to {broker.redacted()}"
        + (" over TLS" if broker.tls else " WITHOUT TLS: production needs mqtts://")
        + ("" if broker.username else " WITHOUT a password: production needs per-gateway users"),
    )
    if not broker.tls or not broker.username:
        report.findings[-1].status = "warn"
    sub.client.subscribe("$SYS/broker/version", qos=0)
    sub.client.subscribe(topic, qos=1)
    _wait(lambda: "$SYS/broker/version" in sub.sys, 1.5)
    report.add(
        "version",
        "ok" if sub.sys else "warn",
        sub.sys.get(
            "$SYS/broker/version", "$SYS/broker/version not readable (ACL or not Mosquitto)"
        ),
    )
    time.sleep(0.2)
    sub.stop()  # offline now; the session (expiry 300 s) should keep what arrives

    pub = _Probe(broker, config, f"servitize-doctor-pub-{tag}")
    if not pub.connect(clean=True, expiry=0, timeout=timeout):
        report.add(
            "queue", "fail", f"the probe publisher could not connect: {pub.refused or 'timeout'}"
        )
        return report
    infos = [pub.client.publish(topic, b"probe", qos=1) for _ in range(probe_messages)]
    for info in infos:
        info.wait_for_publish(timeout)
    pub.stop()

    again = _Probe(broker, config, f"servitize-doctor-{tag}")
    again.connect(clean=False, expiry=0, timeout=timeout)  # expiry 0: the session ends with us
    _wait(lambda: again.received >= probe_messages, timeout)
    _wait(lambda: False, 0.3)  # let stragglers in
    again.stop()
    if not again.session_present:
        report.add(
            "session",
            "fail",
            "the broker did not keep the listener's session while it was "
            "offline: every outage loses data (production needs persistent sessions)",
        )
    else:
        report.add(
            "session", "ok", "the broker keeps a persistent session while the client is away"
        )
    if again.received >= probe_messages:
        report.add(
            "queue",
            "ok",
            f"{again.received} of {probe_messages} QoS 1 messages queued while offline arrived",
        )
    else:
        report.add(
            "queue",
            "fail",
            f"only {again.received} of {probe_messages} QoS 1 messages queued while offline "
            f"arrived: the broker drops beyond about {again.received} queued messages. Production "
            "needs `max_queued_messages 0` (or more than the messages of the longest outage) and "
            "`max_queued_bytes` large enough",
        )
    report.add(
        "persistence",
        "info",
        "whether the broker writes sessions and queues to disk cannot be observed without "
        "restarting it: production needs `persistence true` (and a `persistence_location` on "
        "durable storage), or a broker restart loses every queued message",
    )
    return report
