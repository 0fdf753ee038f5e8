"""The MQTT listener against the real Mosquitto: batches, dead letters, kill and restart."""

from __future__ import annotations

import threading
import time
import uuid

import ibis
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from servitize.telemetry.frames import to_arrow
from servitize.telemetry.listener import Listener, ListenerConfig
from servitize.telemetry.stats import stats
from servitize.telemetry.store import TelemetryStore
from tests.servers import MQTT_HOST, MQTT_PORT, port_open, require

pytestmark = pytest.mark.mqtt


def publish(messages: list[tuple[str, bytes]]) -> None:
    """Publish at QoS 1 and wait until the broker acknowledged every message."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}")
    client.connect(MQTT_HOST, MQTT_PORT)
    client.loop_start()
    infos = [client.publish(topic, payload, qos=1) for topic, payload in messages]
    for info in infos:
        info.wait_for_publish(5)
    client.loop_stop()
    client.disconnect()


def start(listener: Listener, until: threading.Event) -> threading.Thread:
    thread = threading.Thread(target=listener.run, args=(until.is_set,), daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not listener.subscribed and time.monotonic() < deadline:
        time.sleep(0.01)
    assert listener.subscribed
    return thread


def wait_for(predicate, seconds: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert predicate()


@pytest.fixture
def tenant() -> str:
    require(port_open(MQTT_HOST, MQTT_PORT), "Mosquitto")
    return f"t{uuid.uuid4().hex[:10]}"


def config(tenant: str, **kw: object) -> ListenerConfig:
    return ListenerConfig(
        url=f"mqtt://{MQTT_HOST}:{MQTT_PORT}",
        client_id=f"listen-{tenant}",
        topic=f"servitize/{tenant}/+/+",
        max_delay_s=0.05,
        **kw,
    )  # type: ignore[arg-type]


def test_good_and_bad_messages(tmp_path, tenant: str) -> None:  # type: ignore[no-untyped-def]
    store = TelemetryStore(tmp_path)
    listener = Listener(store, lambda: {"M1", "M2"}, config(tenant))
    stop = threading.Event()
    thread = start(listener, stop)
    t = f"servitize/{tenant}"
    publish(
        [
            (f"{t}/M1/status", b'{"ts":"2026-10-01T00:00:00Z","state":"running"}'),
            (
                f"{t}/M1/measure",
                (
                    b'[{"ts":"2026-10-01T00:00:00Z","metric":"energy_kwh","value":2.5},'
                    b'{"ts":"2026-10-01T01:00:00Z","metric":"energy_kwh","value":"oops"}]'
                ),
            ),
            (f"{t}/M2/status", b'{"ts":"2026-10-01T00:00:00Z","state":"on fire"}'),
            (f"{t}/M2/status", b"{broken"),
            (f"{t}/NOPE/status", b'{"ts":"2026-10-01T00:00:00Z","state":"running"}'),
            (f"{t}/M2/status", b'{"ts":"2099-01-01T00:00:00Z","state":"running"}'),
            (f"{t}/M2/status", b'{"ts":"2026-10-01T00:00:00Z","state":"down","reason":"E7"}'),
        ]
    )
    wait_for(lambda: listener.stats.messages == 7)
    stop.set()
    thread.join(5)
    result = stats(store)
    assert result["per_serial"] == {
        "M1": {"status": 1, "measure": 1},
        "M2": {"status": 1, "measure": 0},
    }
    assert result["dead_letters"] == {
        "future_timestamp": 1,
        "malformed_json": 1,
        "non_numeric_value": 1,
        "unknown_serial": 1,
        "unknown_state": 1,
    }


def test_kill_before_ack_and_offline_messages_lose_nothing_and_store_no_duplicate(
    tmp_path, tenant: str
) -> None:  # type: ignore[no-untyped-def]
    store = TelemetryStore(tmp_path)
    t = f"servitize/{tenant}/M1/measure"
    first = Listener(store, lambda: {"M1"}, config(tenant))
    stop = threading.Event()
    start(first, stop).join(0)
    # A crash between the durable write and the acknowledgement: write, never ack, drop the socket.
    first.flush = lambda ack=True: Listener.flush(first, ack=False)  # type: ignore[method-assign]
    publish(
        [
            (t, b'{"ts":"2026-10-01T00:00:%02dZ","metric":"m","value":%d}' % (i, i))
            for i in range(50)
        ]
    )
    wait_for(lambda: first.stats.messages == 50)
    first.client._sock.close()  # type: ignore[union-attr]  # like kill -9: no DISCONNECT
    stop.set()
    time.sleep(0.2)
    # While no listener runs, more messages arrive; the persistent session queues them.
    publish(
        [
            (t, b'{"ts":"2026-10-01T00:01:%02dZ","metric":"m","value":%d}' % (i, i))
            for i in range(30)
        ]
    )
    second = Listener(store, lambda: {"M1"}, config(tenant))
    stop2 = threading.Event()
    thread = start(second, stop2)
    wait_for(lambda: second.stats.messages == 80)  # 50 re-delivered + 30 queued
    stop2.set()
    thread.join(5)
    assert store.arrow("measure").num_rows == 130  # as written: the 50 twice
    read = to_arrow(store.table(ibis.duckdb.connect(), "measure"))
    assert (
        read.num_rows == 80
        and len(set(zip(read["ts"].to_pylist(), read["metric"].to_pylist(), strict=False))) == 80
    )
