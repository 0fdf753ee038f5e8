"""The analytics batch on a Spark standalone cluster, started the way ``deploy/docker-compose.yml``
starts it, through the command a user runs: the same numbers as DuckDB.

A master and one worker are started from PySpark's own ``spark-class`` (the image of the
compose file does the same), so the executors are JVMs of their own and Python workers of
their own, apart from the driver: whatever does not survive being shipped to an executor
(a closure over driver state, a path only the driver sees, a view made in the driver) fails
here, where ``local[2]`` would hide it. ``servitize batch --engine spark --master spark://...``
then runs every stage over the shared sample, and each result folder is compared with a
DuckDB run of the same inputs.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from servitize.batch import run_batch
from tests.batch.compare import differences, rows
from tests.batch.conftest import spark_missing
from tests.batch.records import AS_OF, write_records
from tests.batch.sample import MONTHS, write_sample
from tests.servers import require

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    # its JVMs beside the local session of the other Spark modules: a group of its own
    pytest.mark.xdist_group("spark-cluster"),
]

APP = "servitize-batch"  # the application name spark_session gives the batch
RESULTS = [
    "compact/status",
    "compact/measure",
    "availability",
    "features/account",
    "features/asset",
    "segments",
    "leads",
    "clv",
    "usage",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _status(web: int) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{web}/json/", timeout=5) as answer:
        return dict(json.load(answer))


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-2000:] if path.exists() else "(no log)"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A standalone master and a worker of two cores on this machine; their URLs."""
    why = spark_missing()
    require(why is None, f"Spark ({why})")
    import pyspark

    home = Path(pyspark.__file__).parent
    root = tmp_path_factory.mktemp("cluster")
    port, web, worker_web = _free_port(), _free_port(), _free_port()
    env = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOG_DIR": str(root / "logs"),
        "SPARK_WORKER_DIR": str(root / "work"),
        "PYSPARK_PYTHON": sys.executable,
    }
    spark_class = str(home / "bin" / "spark-class")
    master_url = f"spark://127.0.0.1:{port}"
    started = []
    commands = {
        "master": [
            "org.apache.spark.deploy.master.Master",
            *("--host", "127.0.0.1", "--port", str(port), "--webui-port", str(web)),
        ],
        "worker": [
            "org.apache.spark.deploy.worker.Worker",
            *("--cores", "2", "--memory", "1g", "--webui-port", str(worker_web)),
            *("--work-dir", str(root / "work"), master_url),
        ],
    }
    try:
        for name, args in commands.items():
            with (root / f"{name}.log").open("w") as log:
                started.append(
                    subprocess.Popen(
                        [spark_class, *args],
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        deadline = time.monotonic() + 180
        while True:
            try:
                if _status(web).get("aliveworkers") == 1:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or any(p.poll() is not None for p in started):
                pytest.fail(
                    "the Spark standalone cluster did not come up:\n"
                    f"master: {_tail(root / 'master.log')}\nworker: {_tail(root / 'worker.log')}"
                )
            time.sleep(1)
        yield {"master": master_url, "web": web, "env": env}
    finally:
        for process in reversed(started):
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def runs(cluster: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("cluster-batch")
    write_sample(root / "telemetry")
    url = write_records(root)
    command = [
        str(Path(sys.executable).parent / "servitize"),
        *("batch", "--engine", "spark", "--master", cluster["master"]),
        *("--telemetry-dir", str(root / "telemetry"), "--out", str(root / "spark")),
        *("--as-of", AS_OF.isoformat(), "--no-write-back"),
    ]
    done = subprocess.run(
        command,
        env={**cluster["env"], "SERVITIZE_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    run_batch(
        "duckdb",
        root / "telemetry",
        root / "duckdb",
        write_back=False,
        progress=False,
        database_url=url,
        as_of=AS_OF,
    )
    # the stage table goes where the console writes (stderr, beside Spark's own log lines)
    said = done.stdout + done.stderr
    return {"root": root, "said": said, "status": _status(cluster["web"])}


def test_the_batch_ran_on_the_cluster_not_in_the_driver(runs: dict[str, Any]) -> None:
    """The master lists the batch as an application it ran, with executors of the worker."""
    finished = runs["status"]["completedapps"]
    assert [a["name"] for a in finished] == [APP]
    assert finished[0]["cores"] == 2


@pytest.mark.parametrize("result", RESULTS)
def test_every_result_is_the_same_as_duckdb(runs: dict[str, Any], result: str) -> None:
    duck = rows(runs["root"] / "duckdb" / result)
    cluster = rows(runs["root"] / "spark" / result)
    assert duck, result  # the sample fills every result compared here
    assert differences(duck, cluster) == []


def test_availability_covers_every_machine_and_month(runs: dict[str, Any]) -> None:
    """24 machines over the sample's four months, worked out from the sample, not the batch."""
    found = {(r["serial"], r["month"]) for r in rows(runs["root"] / "spark" / "availability")}
    assert found == {(f"SN-{n:04d}", m) for n in range(24) for m in MONTHS}


def test_the_command_reports_every_stage(runs: dict[str, Any]) -> None:
    assert "analytics batch on spark" in runs["said"]
    for stage in ("compaction", "availability", "features", "leads", "clv", "billing_usage"):
        assert stage in runs["said"]
