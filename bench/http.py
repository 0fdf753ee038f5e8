"""A load generator on loopback: a uvicorn server in a subprocess, keep-alive clients in threads."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx


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
def uvicorn_server(database_url: str, factory: str = "servitize.web.app:create_app") -> Iterator[str]:
    """Serve an app factory on the database in a subprocess; yields the base URL."""
    port = free_port()
    env = os.environ | {"SERVITIZE_DATABASE_URL": database_url}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", factory, "--factory", "--port", str(port),
         "--log-level", "warning"], env=env,
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


def load(
    base: str, jobs: list[tuple[str, str]], clients: int, accept: str = "application/json"
) -> tuple[dict[str, float], float, int]:
    """GET each (path, token) job with ``clients`` concurrent users; latencies, rate, mean size."""
    local = threading.local()
    sizes: list[int] = []

    def one(job: tuple[str, str]) -> float:
        path, token = job
        if not hasattr(local, "client"):  # one keep-alive connection per simulated user
            local.client = httpx.Client(base_url=base, timeout=30)
        started = time.perf_counter()
        response = local.client.get(
            path, headers={"Authorization": f"Bearer {token}", "Accept": accept}
        )
        response.raise_for_status()
        sizes.append(len(response.content))
        return time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        samples = list(pool.map(one, jobs))
    rate = len(jobs) / (time.perf_counter() - started)
    return percentiles(samples), round(rate, 1), round(sum(sizes) / len(sizes))
