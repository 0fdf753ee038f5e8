"""Pages under load: the lead inbox, the account 360 and a technician's accounts list.

Issue 17: at 20 concurrent users the pages served 0.06–0.08 of the requests per second of a
bare FastAPI endpoint of the same size, and a technician's ``/accounts`` took ~120 ms at
100,000 accounts (the territory-or-visits scope made the count scan the table). This run fills
PostgreSQL as bench_account_360 and bench_field do (100,000 accounts, 1,000,000 machines,
2,000,000 service events, 200,000 leads, 50,000 visits of 400 technicians), serves the app as
``servitize serve`` does (one process per core), and asks each page as HTML (Bearer token,
``Accept: text/html``) with 20 users without pause. The reference, in the same run and server,
is a bare endpoint answering a body of the same size as each page; the ratio of requests per
second is the number to raise. Page and bare endpoint take turns five times (each pair in the
other order than the last) and the median ratio is reported, with the ratio of each turn. As
other jobs share this machine's cores and swing requests per second 2-5x from one minute to the
next, each turn also counts the CPU seconds per request of the server processes and of the
database backends serving them (``ratio_cpu_bare_to_page``): load slows a run down but adds
little to what a request costs. A technician's list is also timed in-process (the use case
alone) and with one client, p50 and p95, and the statements each page sends are counted.
"""

from __future__ import annotations

import contextlib
import os
import random
import statistics
import time
from typing import Any

import psutil
import sqlalchemy as sa
from rich.progress import Progress

from bench.bench_field import OWNERS, PRODUCTION, _fill
from bench.http import load, percentiles, uvicorn_server
from bench.pg import fresh_database
from servitize.core.db import make_engine, session_factory
from servitize.core.settings import Settings
from servitize.installed_base import service
from servitize.trust.models import User
from servitize.trust.service import issue_token

SIZES = {"small": (2_000, 20_000, 40_000), "full": (100_000, 1_000_000, 2_000_000)}
TECHNICIANS = range(OWNERS + 1, OWNERS + 401)  # bench_field's FIELD_FILL: users 201..600
HTML = "text/html"
WORKERS = os.cpu_count() or 1  # one process per core, as the README tells production to run
CLIENTS = 20


def app_factory():  # type: ignore[no-untyped-def]
    """The served app with a bare endpoint answering a body of any size (the reference)."""
    from fastapi import Response

    from servitize.web.cli import served_app

    app = served_app()
    blobs: dict[int, bytes] = {}

    @app.get("/bench/bare")
    def bare(size: int) -> Response:
        if size not in blobs:
            blobs[size] = b"<p>" + b"x" * max(size - 7, 0) + b"</p>"
        return Response(blobs[size], media_type="text/html")

    return app


def _statements(url: str, path: str, token: str) -> int:
    """How many SQL statements one request of ``path`` sends (in-process app, same database)."""
    from fastapi.testclient import TestClient

    from servitize.web.app import create_app

    app = create_app(Settings(database_url=url))
    seen: list[str] = []
    with TestClient(app) as client:
        client.get(path, headers={"Authorization": f"Bearer {token}", "Accept": HTML})

        def count(*args: Any) -> None:
            seen.append(args[2])

        engine = app.state.engine
        sa.event.listen(engine, "before_cursor_execute", count)
        answer = client.get(path, headers={"Authorization": f"Bearer {token}", "Accept": HTML})
        sa.event.remove(engine, "before_cursor_execute", count)
        assert answer.status_code == 200, (path, answer.status_code)
    return len(seen)


def technician_list_in_process(url: str, technicians: list[int], n: int) -> dict[str, float]:
    """p50/p95 of one page of a technician's accounts (with its count), the use case alone."""
    engine = make_engine(url)
    samples = []
    with session_factory(engine)() as session:
        users = {u.id: u for u in session.scalars(sa.select(User).where(User.id.in_(technicians)))}
        rng = random.Random(3)
        with Progress() as progress:
            task = progress.add_task("technician /accounts in-process", total=n)
            for _ in range(n):
                user = users[rng.choice(technicians)]
                started = time.perf_counter()
                service.list_accounts(session, user, limit=25, offset=0)
                samples.append(time.perf_counter() - started)
                progress.advance(task)
    engine.dispose()
    return percentiles(samples)


def run(scale: str) -> dict[str, Any]:
    """Fill PostgreSQL, serve the app, load the three pages with 20 users against the bare."""
    accounts, assets, events = SIZES[scale]
    full = scale == "full"
    url = fresh_database("servitize_bench_pages")
    fill_s = _fill(url, accounts, assets, events)
    out = {"accounts": accounts, "assets": assets, "service_events": events}
    return out | {"fill_s": round(fill_s, 1)} | measure(url, accounts, full)


def measure(url: str, accounts: int, full: bool) -> dict[str, Any]:
    """The three pages on a filled database (``run`` fills it; kept to measure again)."""
    n, rounds = (600, 5) if full else (200, 2)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        ids = [*range(1, OWNERS + 1), *TECHNICIANS]
        users = list(session.scalars(sa.select(User).where(User.id.in_(ids)).order_by(User.id)))
        tokens = {u.id: issue_token(session, u) for u in users}
        session.commit()
    engine.dispose()
    technicians = list(TECHNICIANS)
    rng = random.Random(5)
    pages: dict[str, list[tuple[str, str]]] = {"lead_inbox": [], "account_360": []}
    pages["technician_accounts"] = []
    for _ in range(n):
        pages["lead_inbox"].append(
            (f"/inbox?offset={rng.choice([0, 0, 25])}", tokens[rng.randint(1, OWNERS)])
        )
        account = rng.randint(1, accounts)
        pages["account_360"].append((f"/accounts/{account}", tokens[account % OWNERS + 1]))
        pages["technician_accounts"].append(
            (f"/accounts?offset={rng.choice([0, 0, 25])}", tokens[rng.choice(technicians)])
        )

    out: dict[str, Any] = {
        "workers": WORKERS,
        "threads_per_worker": Settings().web_threads,
        "clients": CLIENTS,
        "technician_accounts_in_process": technician_list_in_process(
            url, technicians, 300 if full else 60
        ),
        "statements_per_page": {
            name: _statements(url, jobs[0][0], jobs[0][1]) for name, jobs in pages.items()
        },
    }
    served = uvicorn_server(url, "bench.bench_pages:app_factory", WORKERS, PRODUCTION)
    with served as base, Progress() as progress:
        task = progress.add_task("pages under load", total=len(pages) * (2 + 2 * rounds))
        for name, jobs in pages.items():
            load(base, jobs[:40], CLIENTS, HTML)  # warm-up: every worker and connection
            one, _rate, size = load(base, jobs[:100], 1, HTML)
            progress.advance(task, 2)
            bare_jobs = [(f"/bench/bare?size={size}", jobs[0][1])] * (3 * len(jobs))
            load(base, bare_jobs[:200], CLIENTS, HTML)  # the bare endpoint warmed up as well
            runs = []
            # The page and the bare endpoint in turn, several times, each pair in the other
            # order than the last: this machine's speed drifts from one minute to the next
            # (other jobs share its cores), and both sides of a ratio see the same minute.
            for turn in range(rounds):
                pair = [("page", jobs), ("bare", bare_jobs)]
                measured = dict(
                    _served_load(base, url, kind, these)
                    for kind, these in pair[:: 1 - 2 * (turn % 2)]
                )
                runs.append(measured)
                progress.advance(task, 2)
            out[name] = {"page_bytes": size, "http_1_client": one} | _summary(runs)
    return out


def _summary(runs: list[dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """The medians over the turns: requests per second, CPU per request, and their ratios."""

    def median(values: list[float]) -> float:
        return statistics.median(values)

    rps = [r["page"]["requests_per_s"] / r["bare"]["requests_per_s"] for r in runs]
    cpu = [r["bare"]["cpu"]["total_ms"] / r["page"]["cpu"]["total_ms"] for r in runs]
    middle = sorted(runs, key=lambda r: r["page"]["requests_per_s"] / r["bare"]["requests_per_s"])
    typical = middle[len(middle) // 2]
    return {
        f"http_{CLIENTS}_clients": typical["page"]["latency"]
        | {"requests_per_s": round(median([r["page"]["requests_per_s"] for r in runs]), 1)},
        f"bare_same_size_{CLIENTS}_clients": typical["bare"]["latency"]
        | {"requests_per_s": round(median([r["bare"]["requests_per_s"] for r in runs]), 1)},
        "ratio_rps_to_bare": round(median(rps), 3),
        "ratio_of_each_run": [round(r, 3) for r in rps],
        "cpu_ms_per_request": {
            side: {
                part: round(median([r[side]["cpu"][part] for r in runs]), 2)
                for part in ("server_ms", "database_ms", "total_ms")
            }
            for side in ("page", "bare")
        },
        "ratio_cpu_bare_to_page": round(median(cpu), 3),
        "ratio_cpu_of_each_run": [round(c, 3) for c in cpu],
    }


def _served_load(
    base: str, url: str, kind: str, jobs: list[tuple[str, str]]
) -> tuple[str, dict[str, Any]]:
    """One load run with CPU seconds per request of the server processes and of the database
    backends serving them: what a request costs, which other jobs on the machine distort much
    less than requests per second (they slow a run down; they do not add to its CPU)."""
    before = _cpu_seconds(url)
    latency, rate, _size = load(base, jobs, CLIENTS, HTML)
    after = _cpu_seconds(url)
    spent = {part: (after[part] - before.get(part, 0.0)) for part in after}
    server = sum(v for k, v in spent.items() if k[0] == "server") * 1000 / len(jobs)
    database = sum(v for k, v in spent.items() if k[0] == "database") * 1000 / len(jobs)
    cpu = {"server_ms": server, "database_ms": database, "total_ms": server + database}
    return kind, {"latency": latency, "requests_per_s": rate, "cpu": cpu}


def _cpu_seconds(url: str) -> dict[tuple[str, int], float]:
    """CPU seconds so far of each server process (children of this one) and each PostgreSQL
    backend connected to the benchmark's database (other databases' jobs left out)."""
    seen: dict[tuple[str, int], float] = {}
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            times = child.cpu_times()
            seen["server", child.pid] = times.user + times.system
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        pids = conn.execute(
            sa.text(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalars()
        for pid in pids:
            with contextlib.suppress(psutil.Error):
                times = psutil.Process(pid).cpu_times()
                seen["database", pid] = times.user + times.system
    engine.dispose()
    return seen
