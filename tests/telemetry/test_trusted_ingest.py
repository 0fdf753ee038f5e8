"""Telemetry that can be trusted: poison payloads, credentials and TLS, tenant binding, gaps,
one listener per client id. Brokers: the shared Mosquitto and private ones started here."""

from __future__ import annotations

import threading
import time
import uuid

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from servitize.telemetry import doctor, gateways, rules
from servitize.telemetry.gaps import find_gaps
from servitize.telemetry.listener import Listener, ListenerBusy, ListenerConfig, parse_url, redact
from servitize.telemetry.machines import Machine
from servitize.telemetry.stats import stats
from servitize.telemetry.store import TelemetryStore
from tests.servers import MQTT_HOST, MQTT_PORT, port_open, require
from tests.telemetry.helpers import us, utc
from tests.telemetry.private_broker import make_certs, mosquitto

pytestmark = pytest.mark.mqtt
GOOD = b'{"ts":"2026-10-01T00:00:00Z","state":"running"}'


def client(
    port: int,
    host: str = MQTT_HOST,
    user: str | None = None,
    password: str | None = None,
    certs=None,
    client_id: str | None = None,
) -> mqtt.Client:  # type: ignore[no-untyped-def]
    c = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=client_id or f"pub-{uuid.uuid4().hex[:8]}"
    )
    if user:
        c.username_pw_set(user, password)
    if certs is not None:
        c.tls_set(
            ca_certs=str(certs.ca), certfile=str(certs.client_cert), keyfile=str(certs.client_key)
        )
    c.connect(host, port)
    c.loop_start()
    return c


def publish(messages: list[tuple[str, bytes]], port: int = MQTT_PORT, **kw: object) -> None:
    """Publish at QoS 1 and wait until the broker acknowledged every message."""
    c = client(port, **kw)  # type: ignore[arg-type]
    infos = [c.publish(topic, payload, qos=1) for topic, payload in messages]
    for info in infos:
        info.wait_for_publish(10)
    c.loop_stop()
    c.disconnect()


def wait_for(predicate, seconds: float = 8.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert predicate()


class Running:
    """A listener in a thread; ``stop()`` ends it and re-raises what it raised."""

    def __init__(self, listener: Listener) -> None:
        self.listener, self.stopped, self.error = listener, threading.Event(), None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        wait_for(
            lambda: listener.subscribed or self.error is not None or not self.thread.is_alive()
        )

    def _run(self) -> None:
        try:
            self.listener.run(self.stopped.is_set)
        except BaseException as exc:
            self.error = exc

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(10)
        if self.error is not None:
            raise self.error


@pytest.fixture
def tenant() -> str:
    require(port_open(MQTT_HOST, MQTT_PORT), "Mosquitto")
    return f"t{uuid.uuid4().hex[:10]}"


def config(tenant: str, port: int = MQTT_PORT, **kw: object) -> ListenerConfig:
    return ListenerConfig(
        url=f"mqtt://{MQTT_HOST}:{port}",
        client_id=f"listen-{tenant}",
        topic=f"servitize/{tenant}/+/+",
        max_delay_s=0.05,
        **kw,
    )  # type: ignore[arg-type]


# --- issue 9, item 9: a poison message is dead-lettered; the good ones around it are stored ---


def test_poison_payloads_are_dead_letters_and_the_good_ones_around_them_are_stored(
    tmp_path, tenant
) -> None:  # type: ignore[no-untyped-def]
    # Limits raised to 1 MB so that the 200 KB of brackets reaches the JSON parser (which raised
    # RecursionError and stopped the listener before), a 2 MB payload still exceeds them.
    limits = rules.Limits(max_payload_bytes=1024 * 1024, max_field_chars=200)
    store = TelemetryStore(tmp_path)
    run = Running(Listener(store, lambda: {"M1"}, config(tenant, limits=limits)))
    t = f"servitize/{tenant}/M1"
    publish(
        [
            (f"{t}/status", GOOD),
            (f"{t}/status", b"[" * 100_000 + b"]" * 100_000),  # 200 KB of nested brackets
            (
                f"{t}/measure",
                b'{"ts":"2026-10-01T00:00:00Z","metric":"m","value":' + b"9" * 400 + b"}",
            ),
            (
                f"{t}/status",
                b'{"ts":"2026-10-01T00:01:00Z","state":"down","reason":"'
                + b"x" * 1_000_000
                + b'"}',
            ),
            (f"{t}/measure", b"x" * 2_000_000),
            (f"{t}/status", b"\xff\xfe not utf-8"),
            (f"{t}/measure", b'{"ts":"2026-10-01T00:00:00Z","metric":"m","value":NaN}'),
            (f"{t}/measure", b'{"ts":["2026"],"metric":{"a":1},"value":1}'),
            (f"{t}/status", b'{"ts":"0001-01-01T00:00:00+14:00","state":"down"}'),
            (f"{t}/measure", b'{"ts":"2026-10-01T00:02:00Z","metric":"m","value":1.5}'),
        ]
    )
    wait_for(lambda: run.listener.stats.messages == 10)
    run.stop()  # re-raises what stopped the listener (RecursionError before the fix)
    result = stats(store)
    assert result["per_serial"] == {"M1": {"status": 1, "measure": 1}}
    # by hand: brackets, not UTF-8 → malformed_json; 400 digits and NaN → non_numeric_value;
    # 1 MB reason → field_too_long; 2 MB → payload_too_large; a list as ts → bad_timestamp;
    # year 1 → out_of_range_timestamp (before 1900)
    assert result["dead_letters"] == {
        "bad_timestamp": 1,
        "field_too_long": 1,
        "malformed_json": 2,
        "non_numeric_value": 2,
        "out_of_range_timestamp": 1,
        "payload_too_large": 1,
    }
    stored = store.arrow("dead_letters")
    assert max(len(p) for p in stored.column("payload").to_pylist()) <= 4096


def test_a_dead_letter_keeps_at_most_500_characters_of_topic_and_serial(tmp_path, tenant) -> None:  # type: ignore[no-untyped-def]
    store = TelemetryStore(tmp_path)
    cfg = ListenerConfig(
        url=f"mqtt://{MQTT_HOST}:{MQTT_PORT}",
        client_id=f"listen-{tenant}",
        topic=f"servitize/{tenant}/#",
        max_delay_s=0.05,
    )
    run = Running(Listener(store, lambda: {"M1"}, cfg))
    long_serial = "S" * 20_000  # a topic of 20 KB: MQTT allows 64 KiB
    publish(
        [
            (f"servitize/{tenant}/{long_serial}/status", GOOD),
            (f"servitize/{tenant}/M1/{'x' * 20_000}", GOOD),
        ]
    )
    wait_for(lambda: run.listener.stats.messages == 2)
    run.stop()
    dead = store.arrow("dead_letters").to_pylist()
    assert sorted(d["reason"] for d in dead) == ["bad_topic", "field_too_long"]
    assert all(
        len(d["topic"]) == 500 and (d["serial"] is None or len(d["serial"]) <= 500) for d in dead
    )


def test_rules_bound_every_field_and_the_date_range() -> None:
    now = us("2026-10-15T12:00")
    limits = rules.Limits(max_payload_bytes=4096, max_field_chars=10)

    def reason(kind: str, payload: bytes, not_before: int | None = None) -> str:
        [item] = rules.message(kind, "S1", payload, now, limits, not_before)
        return item.reason if isinstance(item, rules.Rejected) else "ok"

    assert (
        reason("status", b'{"ts":"2026-10-01T00:00:00Z","state":"down","reason":"0123456789"}')
        == "ok"
    )
    assert (
        reason("status", b'{"ts":"2026-10-01T00:00:00Z","state":"down","reason":"01234567890"}')
        == "field_too_long"
    )
    assert (
        reason(
            "measure",
            b'{"ts":"2026-10-01T00:00:00Z","metric":"m","value":1,"unit":"' + b"u" * 11 + b'"}',
        )
        == "field_too_long"
    )
    assert (
        reason("measure", b'{"ts":"2026-10-01T00:00:00Z","metric":"' + b"m" * 11 + b'","value":1}')
        == "field_too_long"
    )
    assert reason("status", b" " * 4097) == "payload_too_large"
    assert reason("status", b"[" * 2000 + b"]" * 2000) == "malformed_json"  # nested past the parser
    assert (
        reason("status", b'{"ts":"1899-12-31T23:59:59Z","state":"down"}')
        == "out_of_range_timestamp"
    )
    assert reason("status", b'{"ts":"1900-01-01T00:00:00Z","state":"down"}') == "ok"
    assert (
        reason("status", b'{"ts":"2026-03-31T23:59:59Z","state":"down"}', us("2026-04-01T00:00"))
        == "before_install"
    )
    assert (
        reason("status", b'{"ts":"2026-04-01T00:00:00Z","state":"down"}', us("2026-04-01T00:00"))
        == "ok"
    )
    assert (
        reason("status", b'{"ts":"2026-10-01T00:00:00Z","state":"down","seq":-1}') == "bad_sequence"
    )
    assert reason("status", b'{"ts":"2026-10-01T00:00:00Z","state":["down"]}') == "unknown_state"
    # a year beyond the range: the setting range ends with 2100
    far = rules.Limits()
    [late] = rules.message(
        "status", "S1", b'{"ts":"2101-01-01T00:00:00Z","state":"down"}', us("2101-01-01T00:00"), far
    )
    assert isinstance(late, rules.Rejected) and late.reason == "out_of_range_timestamp"


def test_file_import_rejects_readings_before_the_install_date(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from servitize.telemetry.importing import import_file

    path = tmp_path / "t.csv"
    path.write_text(
        "serial,ts,state\nM1,2026-03-31T23:00:00Z,down\nM1,2026-04-02T00:00:00Z,running\n"
        "M1,1850-01-01T00:00:00Z,running\n"
    )
    result = import_file(
        path,
        TelemetryStore(tmp_path / "store"),
        {"M1": Machine(frozenset({"acme"}), us("2026-04-01T00:00"))},
    )
    assert (result.read, result.landed, result.rejected) == (3, 1, 2)
    assert result.reasons == {"before_install": 1, "out_of_range_timestamp": 1}


# --- broker URL with credentials and TLS ---


def test_broker_url_keeps_credentials_and_tls_and_output_hides_the_password() -> None:
    url = parse_url("mqtts://gw%2D1:p%40ss@broker.example:8884")
    assert (url.host, url.port, url.tls, url.username, url.password) == (
        "broker.example",
        8884,
        True,
        "gw-1",
        "p@ss",
    )
    assert parse_url("mqtts://broker.example").port == 8883
    assert parse_url("mqtt://broker.example").port == 1883 and not parse_url("mqtt://h").tls
    assert redact("mqtts://u:secret@h:8883") == "mqtts://u:***@h:8883"
    assert "secret" not in redact("mqtts://u:secret@h:notaport")


def test_tls_passwords_acls_and_tenant_binding_with_a_private_mosquitto(tmp_path) -> None:  # type: ignore[no-untyped-def]
    certs = make_certs(tmp_path / "certs")
    acme = gateways.new_gateway("gw-acme", "acme")
    evil = gateways.new_gateway("gw-evil", "evil")
    listener_password = "listener-secret"
    passwords = [
        acme.password_line,
        evil.password_line,
        gateways.password_line("servitize", listener_password),
    ]
    acl = [*acme.acl_lines, *evil.acl_lines, *gateways.listener_acl_lines("servitize")]
    with mosquitto(
        tmp_path / "broker", passwords=passwords, acl=acl, certs=certs, require_certificate=True
    ) as port:
        store = TelemetryStore(tmp_path / "store")
        known = {
            "M1": Machine(frozenset({"acme", "acme-plant-1"})),
            "M2": Machine(frozenset({"evil"})),
        }
        cfg = ListenerConfig(
            url=f"mqtts://servitize:{listener_password}@127.0.0.1:{port}",
            client_id="tls-listener",
            max_delay_s=0.05,
            ca_file=certs.ca,
            cert_file=certs.client_cert,
            key_file=certs.client_key,
        )
        run = Running(Listener(store, lambda: known, cfg))
        assert run.listener.subscribed
        publish(
            [("servitize/acme/M1/status", GOOD)],
            port,
            host="127.0.0.1",
            user="gw-acme",
            password=acme.password,
            certs=certs,
        )
        # the broker allows gw-evil under servitize/evil/ only; the listener refuses the tenant
        publish(
            [("servitize/evil/M1/status", b'{"ts":"2026-10-01T00:05:00Z","state":"down"}')],
            port,
            host="127.0.0.1",
            user="gw-evil",
            password=evil.password,
            certs=certs,
        )
        # outside its subtree the broker drops it (an ACL denial is silent for QoS 1 in Mosquitto 2)
        publish(
            [("servitize/acme/M1/status", b'{"ts":"2026-10-01T00:06:00Z","state":"down"}')],
            port,
            host="127.0.0.1",
            user="gw-evil",
            password=evil.password,
            certs=certs,
        )
        publish(
            [("servitize/evil/M2/status", GOOD)],
            port,
            host="127.0.0.1",
            user="gw-evil",
            password=evil.password,
            certs=certs,
        )
        wait_for(lambda: run.listener.stats.messages == 3)
        time.sleep(0.3)
        run.stop()
        assert run.listener.stats.messages == 3
        result = stats(store)
        assert result["per_serial"] == {
            "M1": {"status": 1, "measure": 0},
            "M2": {"status": 1, "measure": 0},
        }
        assert result["dead_letters"] == {"wrong_tenant": 1}
        # a wrong password is refused: nothing connects, so nothing subscribes
        wrong = Listener(
            TelemetryStore(tmp_path / "other"),
            lambda: known,
            ListenerConfig(
                url=f"mqtts://servitize:wrong@127.0.0.1:{port}",
                client_id="tls-wrong",
                ca_file=certs.ca,
                cert_file=certs.client_cert,
                key_file=certs.client_key,
            ),
        )
        stop = threading.Event()
        thread = threading.Thread(target=wrong.run, args=(stop.is_set,), daemon=True)
        thread.start()
        time.sleep(1.0)
        stop.set()
        thread.join(10)
        assert not wrong.subscribed and wrong.stats.connects == 0


def test_a_machine_moved_to_another_tenant_is_accepted_there_after_the_refresh(
    tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from servitize.telemetry import listener as listening
    from servitize.telemetry.store import Batch

    owners = {"M1": Machine(frozenset({"old-owner"}))}
    lst = Listener(TelemetryStore(tmp_path), lambda: dict(owners), ListenerConfig())
    owners["M1"] = Machine(frozenset({"new-owner"}))  # the asset moved to another account
    batch = Batch()
    lst._parse(batch, "servitize/new-owner/M1/status", GOOD, us("2026-10-02T00:00"))
    assert batch.counts()["dead_letters"] == 1  # within the refresh interval: still the old owner
    monkeypatch.setattr(listening, "SERIAL_REFRESH_S", 0.0)
    lst._parse(batch, "servitize/new-owner/M1/status", GOOD, us("2026-10-02T00:00"))
    lst._parse(batch, "servitize/old-owner/M1/status", GOOD, us("2026-10-02T00:00"))
    assert batch.counts()["status"] == 1 and batch.counts()["dead_letters"] == 2


# --- one listener per client id ---


def test_a_second_listener_with_the_same_client_id_on_the_same_folder_is_refused(
    tmp_path, tenant
) -> None:  # type: ignore[no-untyped-def]
    store = TelemetryStore(tmp_path)
    first = Running(Listener(store, lambda: {"M1"}, config(tenant)))
    second = Listener(store, lambda: {"M1"}, config(tenant))
    with pytest.raises(ListenerBusy, match="already runs"):
        second.run(lambda: True)
    assert first.listener.stats.takeovers == 0
    first.stop()
    # once the first one stopped, the id is free again
    Running(Listener(store, lambda: {"M1"}, config(tenant))).stop()


def test_two_listeners_sharing_a_client_id_back_off_instead_of_reconnecting_in_a_loop(
    tmp_path, tenant
) -> None:  # type: ignore[no-untyped-def]
    a = Running(Listener(TelemetryStore(tmp_path / "a"), lambda: {"M1"}, config(tenant)))
    b = Running(Listener(TelemetryStore(tmp_path / "b"), lambda: {"M1"}, config(tenant)))
    time.sleep(4.0)
    a.stop()
    b.stop()
    connects = a.listener.stats.connects + b.listener.stats.connects
    # by hand: each loses the session to the other and waits 0.5 s, 1 s, 2 s ... before taking
    # it back: about 3 connects each in 4 s (thousands without the back-off)
    assert 2 <= connects <= 10
    assert a.listener.stats.short_connections + b.listener.stats.short_connections >= 1


# --- gaps ---


def test_sequence_gaps_are_stored_across_a_listener_restart_and_shown_per_machine(
    tmp_path, tenant
) -> None:  # type: ignore[no-untyped-def]
    store = TelemetryStore(tmp_path)
    t = f"servitize/{tenant}/M1/status"

    def msg(minute: int, seq: int) -> tuple[str, bytes]:
        return t, b'{"ts":"2026-10-05T14:%02d:00Z","state":"running","seq":%d}' % (minute, seq)

    run = Running(Listener(store, lambda: {"M1"}, config(tenant)))
    publish([msg(0, 1), msg(1, 2), msg(2, 3), msg(7, 9)])  # 4..8 never arrived: 5 missing
    wait_for(lambda: run.listener.stats.messages == 4)
    run.stop()
    assert run.listener.stats.gaps == 1
    # a restart remembers the last sequence number: 10 then 13 means 11 and 12 are missing
    run = Running(Listener(store, lambda: {"M1"}, config(tenant)))
    publish([msg(8, 10), msg(11, 13)])
    wait_for(lambda: run.listener.stats.messages == 2)
    run.stop()
    found = find_gaps(store, ["M1"], utc("2026-10-01T00:00"), utc("2026-11-01T00:00"))
    assert [(g.start, g.end, g.kind, g.missing) for g in found] == [
        (utc("2026-10-05T14:02"), utc("2026-10-05T14:07"), "sequence", 5),
        (utc("2026-10-05T14:08"), utc("2026-10-05T14:11"), "sequence", 2),
    ]
    assert found[0].label() == "telemetry gap 2026-10-05 14:02–14:07"
    assert find_gaps(store, ["OTHER"], utc("2026-10-01T00:00"), utc("2026-11-01T00:00")) == []


def test_a_silent_machine_has_a_gap_past_its_expected_interval(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from servitize.telemetry.store import Batch

    store, batch = TelemetryStore(tmp_path), Batch()
    for minute in (0, 1, 2, 9, 10):
        batch.add_measure("M1", us(f"2026-10-05T14:{minute:02d}"), "m", 1.0, None, 0, "test")
    batch.add_status("M2", us("2026-10-05T14:00"), "running", None, 0, "test")
    store.write(batch)
    found = find_gaps(
        store,
        None,
        utc("2026-10-05T00:00"),
        utc("2026-10-06T00:00"),
        expected_interval_s=300,
        now=utc("2026-10-05T14:12"),
    )
    # M1: 14:02 → 14:09 is 7 min > 5; 14:10 → now 14:12 is 2 min (no gap). M2: silent since 14:00.
    assert [(g.serial, g.start, g.end, g.kind) for g in found] == [
        ("M1", utc("2026-10-05T14:02"), utc("2026-10-05T14:09"), "silence"),
        ("M2", utc("2026-10-05T14:00"), utc("2026-10-05T14:12"), "silence"),
    ]


# --- doctor ---


def test_doctor_sees_a_broker_queue_that_drops_messages(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with mosquitto(tmp_path / "default") as port:  # Mosquitto's default queue: 1,000 messages
        report = doctor.diagnose(
            ListenerConfig(url=f"mqtt://127.0.0.1:{port}"), probe_messages=1_500
        )
    by_check = {f.check: f for f in report.findings}
    assert by_check["session"].status == "ok"
    assert by_check["queue"].status == "fail" and "only 1000 of 1500" in by_check["queue"].detail
    assert "max_queued_messages 0" in by_check["queue"].detail
    assert not report.ok
    with mosquitto(tmp_path / "unbounded", extra="max_queued_messages 0\n") as port:
        report = doctor.diagnose(
            ListenerConfig(url=f"mqtt://127.0.0.1:{port}"), probe_messages=1_500
        )
    by_check = {f.check: f for f in report.findings}
    assert by_check["queue"].status == "ok" and by_check["session"].status == "ok"
    assert by_check["connect"].status == "warn"  # no TLS, no password


def test_gateway_password_line_is_what_mosquitto_passwd_writes() -> None:
    import base64
    import hashlib

    line = gateways.password_line("gw", "secret", salt=b"0123456789ab")
    user, _, rest = line.partition(":")
    _, kind, iterations, salt, digest = rest.split("$")
    assert (user, kind, iterations, base64.b64decode(salt)) == ("gw", "7", "101", b"0123456789ab")
    assert base64.b64decode(digest) == hashlib.pbkdf2_hmac(
        "sha512", b"secret", b"0123456789ab", 101
    )
    with pytest.raises(Exception, match="wildcards"):
        gateways.new_gateway("gw", "acme/#")
