"""The shared property tables decode MQTT v5 properties exactly as paho's own class does."""

from __future__ import annotations

import struct

from paho.mqtt import _packet
from paho.mqtt.enums import MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from servitize.telemetry import paho_speed


def _publish_body(props: Properties | None) -> bytes:
    topic = b"servitize/t/S1/measure"
    packed = props.pack() if props is not None else b"\x00"
    return struct.pack("!H", len(topic)) + topic + struct.pack("!H", 7) + packed + b'{"v":1}'


def test_properties_decode_the_same_and_do_not_leak_between_messages() -> None:
    props = Properties(PacketTypes.PUBLISH)
    props.ContentType = "application/json"
    props.UserProperty = ("site", "north")
    with_props = _publish_body(props)
    plain = _publish_body(None)
    header = 0x32  # PUBLISH, QoS 1
    v5 = MQTTProtocolVersion.MQTTv5

    paho_speed.install()
    first = _packet.decode_publish(header, with_props, v5)
    second = _packet.decode_publish(header, plain, v5)

    assert isinstance(first.properties, paho_speed.SharedTables)
    assert first.properties.ContentType == "application/json"
    assert first.properties.UserProperty == [("site", "north")]
    assert first.payload == b'{"v":1}' and first.mid == 7
    assert not hasattr(second.properties, "ContentType")
    assert not hasattr(second.properties, "UserProperty")
    assert second.payload == b'{"v":1}'


def test_another_paho_version_is_left_alone_with_a_warning(caplog, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(_packet, "Properties", Properties)  # paho's own, as at start
    with caplog.at_level("WARNING", logger="servitize.telemetry.paho_speed"):
        assert paho_speed.install("3.0.1") is False
        assert paho_speed.install("2.1.0") is False
    assert _packet.Properties is Properties
    assert sum("not 2.2.x" in r.getMessage() for r in caplog.records) == 2
    assert paho_speed.install("2.2.7") is True
    assert _packet.Properties is paho_speed.SharedTables


def test_building_a_listener_does_not_patch_paho(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from servitize.telemetry.listener import Listener, ListenerConfig
    from servitize.telemetry.store import TelemetryStore

    monkeypatch.setattr(_packet, "Properties", Properties)
    Listener(TelemetryStore(tmp_path), dict, ListenerConfig(url="mqtt://127.0.0.1:1883"))
    assert _packet.Properties is Properties


def test_the_listen_command_installs_the_patch(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from servitize.cli import app
    from servitize.core.errors import InvalidInput
    from servitize.telemetry import listener

    seen = []

    def fake_listener(*_args: object, **_kwargs: object) -> None:
        seen.append(_packet.Properties)
        raise InvalidInput("stopped by the test")

    monkeypatch.setattr(_packet, "Properties", Properties)
    monkeypatch.setattr(listener, "Listener", fake_listener)
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path))
    done = CliRunner().invoke(app, ["telemetry", "listen"])
    assert done.exit_code == 2, done.output
    assert seen == [paho_speed.SharedTables]
