"""A load generator on loopback: a uvicorn server in a subprocess, keep-alive clients in threads."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

RAMP_UP_S = 0.01  # between one simulated user's first connect and the next one's


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50, p95 and max of latencies in seconds, as milliseconds."""
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


@contextmanager
def uvicorn_server(
    database_url: str,
    factory: str = "servitize.web.cli:served_app",
    workers: int = 1,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Serve an app factory on the database in a subprocess; yields the base URL."""
    port = free_port()
    env = os.environ | {"SERVITIZE_DATABASE_URL": database_url} | (env or {})
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            factory,
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--workers",
            str(workers),
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(10)


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One HTTP/1.1 response: status and body (Content-Length or chunked)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {
        k.strip().lower(): v.strip()
        for k, _, v in (line.partition(":") for line in lines[1:] if line)
    }
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"]))
    body = bytearray()
    while True:  # chunked
        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return status, bytes(body)
        body += chunk[:-2]


def load(
    base: str,
    jobs: list[tuple[str, str]],
    clients: int,
    accept: str = "application/json",
    think_s: float = 0.0,
) -> tuple[dict[str, float], float, int]:
    """GET each (path, token) job with ``clients`` concurrent users; latencies, rate, mean size.

    Each simulated user holds one keep-alive connection and sends its next request as soon as
    the last answer is read (a closed loop; with ``think_s``, after a pause drawn around that
    mean, as people reading a page make). Users arrive 10 ms apart, as people
    do, rather than all in the same millisecond: with several server processes sharing one
    socket, a connection goes to whichever process accepts first, and a burst of connects all
    lands while every process is idle. Requests are written by hand on
    asyncio streams: the generator shares the machine with the server and the database, and a
    full HTTP client in threads spent more CPU per request than the bare endpoint it measured.
    """
    host, port = base.removeprefix("http://").split(":")
    pauses = random.Random(11)
    queue = list(reversed(jobs))
    samples: list[float] = []
    sizes: list[int] = []

    async def user(n: int) -> None:
        await asyncio.sleep(n * RAMP_UP_S)
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while queue:
                path, token = queue.pop()
                request = (
                    f"GET {path} HTTP/1.1\r\nHost: {host}\r\n"
                    f"Authorization: Bearer {token}\r\nAccept: {accept}\r\n\r\n"
                )
                started = time.perf_counter()
                writer.write(request.encode())
                try:
                    status, body = await _read_response(reader)
                except (asyncio.IncompleteReadError, ConnectionResetError):
                    # The server closed an idle keep-alive connection (after a long pause):
                    # connect again and ask again, as a browser does; the wait counts.
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, int(port))
                    writer.write(request.encode())
                    status, body = await _read_response(reader)
                samples.append(time.perf_counter() - started)
                if status != 200:
                    raise RuntimeError(f"GET {path} answered {status}: {body[:200]!r}")
                sizes.append(len(body))
                if think_s:
                    await asyncio.sleep(pauses.expovariate(1 / think_s))
        finally:
            writer.close()

    async def main() -> float:
        started = time.perf_counter()
        await asyncio.gather(*(user(n) for n in range(clients)))
        return time.perf_counter() - started

    elapsed = asyncio.run(main())
    return percentiles(samples), round(len(jobs) / elapsed, 1), round(sum(sizes) / len(sizes))
