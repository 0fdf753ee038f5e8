"""MQTT ingest: ``servitize telemetry listen`` vs ``mosquitto_sub`` to /dev/null, same broker, same load.

A private Mosquitto (free port, ``max_queued_messages 0`` so the broker drops nothing) gets
N QoS 1 messages from a pipelined raw-socket publisher in a child process (``mosquitto_pub
-l`` is not used: it exits at end of input before all QoS 1 messages are sent). Throughput is
N / (time from the first publish to the last message stored and acknowledged); the listener's
store is then counted: every message must be there exactly once.
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

SIZES = {"small": 100_000, "full": 1_000_000}
SERIALS = 1_000
BASE = int(datetime(2026, 10, 1, tzinfo=UTC).timestamp())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _remaining(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _text(s: str) -> bytes:
    b = s.encode()
    return struct.pack("!H", len(b)) + b


def publish(port: int, n: int, tenant: str) -> None:
    """Send n QoS 1 PUBLISH packets pipelined; return when the broker acknowledged all of them."""
    sock = socket.create_connection(("127.0.0.1", port))
    body = _text("MQTT") + bytes([4, 0x02]) + struct.pack("!H", 60) + _text(f"pub-{tenant}")
    sock.sendall(b"\x10" + _remaining(len(body)) + body)
    assert sock.recv(4)[:2] == b"\x20\x02"
    acked = [0]

    def read_acks() -> None:
        pending = 0
        while acked[0] < n:
            data = sock.recv(1 << 16)
            if not data:
                return
            pending += len(data)
            acked[0] += pending // 4
            pending %= 4

    reader = threading.Thread(target=read_acks)
    reader.start()
    packets = []
    for i in range(n):
        payload = b'{"ts":"%s","metric":"m","value":%d}' % (
            datetime.fromtimestamp(BASE + i // SERIALS, UTC)
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .encode(),
            i,
        )
        var = _text(f"servitize/{tenant}/S{i % SERIALS}/measure") + struct.pack("!H", i % 65535 + 1)
        packets.append(b"\x32" + _remaining(len(var) + len(payload)) + var + payload)
        if len(packets) == 2_000:
            sock.sendall(b"".join(packets))
            packets = []
    sock.sendall(b"".join(packets))
    reader.join()
    sock.sendall(b"\xe0\x00")
    sock.close()


def _publisher(port: int, n: int, tenant: str) -> subprocess.Popen[bytes]:
    code = f"from bench.bench_telemetry_mqtt import publish; publish({port}, {n}, {tenant!r})"
    return subprocess.Popen([sys.executable, "-c", code], cwd=Path(__file__).parents[1])


def _broker(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    conf = folder / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 0\n"
    )
    proc = subprocess.Popen(
        [shutil.which("mosquitto") or "mosquitto", "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("mosquitto did not start")


def reference(port: int, n: int) -> float:
    """Seconds for mosquitto_sub (QoS 1) to receive n messages to /dev/null."""
    tenant = f"ref{os.getpid()}"
    sub = subprocess.Popen(
        [
            "mosquitto_sub",
            "-p",
            str(port),
            "-q",
            "1",
            "-t",
            f"servitize/{tenant}/#",
            "-C",
            str(n),
            "-i",
            f"ref-{tenant}",
        ],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    t0 = time.perf_counter()
    pub = _publisher(port, n, tenant)
    sub.wait(timeout=600)
    elapsed = time.perf_counter() - t0
    pub.wait(timeout=60)
    return elapsed


def ours(port: int, n: int, folder: Path) -> tuple[float, dict[str, object]]:
    """Seconds for the listener to store and acknowledge n messages, and what it stored."""
    import ibis

    from servitize.telemetry import paho_speed
    from servitize.telemetry.frames import to_arrow
    from servitize.telemetry.listener import Listener, ListenerConfig
    from servitize.telemetry.store import TelemetryStore

    paho_speed.install()  # as `servitize telemetry listen` does
    tenant = f"lst{os.getpid()}"
    store = TelemetryStore(folder / "telemetry")
    listener = Listener(
        store,
        lambda: {f"S{i}" for i in range(SERIALS)},
        ListenerConfig(
            url=f"mqtt://127.0.0.1:{port}",
            client_id=f"bench-{tenant}",
            topic=f"servitize/{tenant}/+/+",
        ),
    )
    thread = threading.Thread(target=listener.run, args=(lambda: listener.stats.messages >= n,))
    thread.start()
    while not listener.subscribed:
        time.sleep(0.01)
    t0 = time.perf_counter()
    pub = _publisher(port, n, tenant)
    thread.join(timeout=600)
    elapsed = time.perf_counter() - t0
    pub.wait(timeout=60)
    con = ibis.duckdb.connect()
    read = to_arrow(store.table(con, "measure")).num_rows
    return elapsed, {
        "messages": listener.stats.messages,
        "stored_rows": store.arrow("measure").num_rows,
        "distinct_rows_read": read,
        "flushes": listener.stats.flushes,
        "dead_letters": dict(listener.stats.dead_letters),
    }


def run(scale: str) -> dict[str, object]:
    """Reference first, then the listener, on one private broker."""
    n = SIZES[scale]
    with tempfile.TemporaryDirectory() as tmp:
        broker, port = _broker(Path(tmp))
        try:
            ref_s = reference(port, n)
            our_s, stored = ours(port, n, Path(tmp))
        finally:
            broker.terminate()
            broker.wait()
    return {
        "messages": n,
        "listener_s": round(our_s, 2),
        "listener_msg_per_s": round(n / our_s),
        "mosquitto_sub_s": round(ref_s, 2),
        "mosquitto_sub_msg_per_s": round(n / ref_s),
        "ratio_to_mosquitto_sub": round((n / our_s) / (n / ref_s), 2),
        "zero_loss": stored["distinct_rows_read"] == n,
        **stored,
    }
