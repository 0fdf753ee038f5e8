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
