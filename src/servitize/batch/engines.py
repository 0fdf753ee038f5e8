"""The engines the batch runs on: an in-process DuckDB, or Spark (local or a cluster) via Ibis."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path
from typing import Any

import ibis

from servitize.core.errors import InvalidInput
from servitize.core.settings import Settings

ENGINES = ("duckdb", "spark")
SPARK_FIX = "pip install 'servitize[spark]'"
JAVA_FIX = "install Java 17 (apt-get install openjdk-17-jre-headless, or bash scripts/ensure-java)"
# Small shuffles: the batch's joins are by machine and month, never a wide all-to-all.
SHUFFLE_PARTITIONS = 4


def check_engine(engine: str) -> None:
    """Raise InvalidInput, naming the fix, when ``engine`` is unknown or cannot start here."""
    if engine not in ENGINES:
        raise InvalidInput(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    if engine == "spark":
        if importlib.util.find_spec("pyspark") is None:
            raise InvalidInput(f"the spark engine needs PySpark: {SPARK_FIX}")
        if shutil.which("java") is None:
            raise InvalidInput(f"the spark engine needs Java: {JAVA_FIX}")


# For a small batch on a laptop or in the tests: no JIT beyond C1, no whole-stage code
# generation, no adaptive re-planning (each costs more than it saves on a few thousand rows).
SMALL = {
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.adaptive.enabled": "false",
    "spark.default.parallelism": "2",
}


def spark_session(
    master: str | None = None,
    app: str = "servitize-batch",
    conf: dict[str, str] | None = None,
    *,
    memory_share: float | None = None,
) -> Any:
    """A SparkSession in UTC with Parquet timestamps in microseconds, the UI off; ``conf``
    adds or overrides settings (``SMALL`` for small data).

    A local session (``local[...]``, not under spark-submit) runs its executors in the
    driver's JVM, whose heap Spark sizes to 1 GiB unless told: it gets ``memory_share`` of
    this machine's memory (default ``Settings.batch_memory_share``, the share DuckDB holds),
    unless ``conf`` or SPARK_DRIVER_MEMORY names the driver's memory. It takes effect only
    when the session starts the JVM (the first session of the process)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app)
    local = False
    if master:
        builder = builder.master(master)
        local = master.startswith("local")
    elif not _has_master():
        builder = builder.master("local[2]")
        local = True
    conf = dict(conf or {})
    if local and not _driver_memory_given(conf):
        conf["spark.driver.memory"] = driver_memory(memory_share)
    for key, value in {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": str(SHUFFLE_PARTITIONS),
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
        "spark.sql.ansi.enabled": "false",
        **conf,
    }.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def driver_memory(memory_share: float | None = None) -> str:
    """``spark.driver.memory`` for a local session: ``memory_share`` (default
    ``Settings.batch_memory_share``) of this machine's memory, in MiB, at least 1 GiB."""
    if memory_share is None:
        memory_share = Settings().batch_memory_share
    return f"{max(1024, int(physical_memory() * memory_share) // 2**20)}m"


def _driver_memory_given(conf: dict[str, str]) -> bool:
    """True when ``conf``, SPARK_DRIVER_MEMORY or PYSPARK_SUBMIT_ARGS names the driver's memory."""
    submit = os.environ.get("PYSPARK_SUBMIT_ARGS", "")
    return (
        "spark.driver.memory" in conf
        or bool(os.environ.get("SPARK_DRIVER_MEMORY"))
        or "--driver-memory" in submit
        or "spark.driver.memory" in submit
    )


def _has_master() -> bool:
    """True under spark-submit, which names the master in the environment's Spark conf."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def connect(
    engine: str,
    master: str | None = None,
    session: Any = None,
    *,
    memory_share: float = 0.5,
    spill_dir: Path | None = None,
) -> ibis.BaseBackend:
    """An Ibis connection on the engine (``session``: an existing SparkSession to reuse).

    DuckDB holds at most ``memory_share`` of this machine's memory and spills the rest of a
    sort, window or join to ``spill_dir`` (DuckDB's own ``.tmp`` when None); results keep no
    insertion order (every stage writes partitions and sorts where order matters), so a scan
    need not hold rows back to keep it. At 10 million machines a month of readings is larger
    than the memory of a laptop.
    """
    check_engine(engine)
    if engine == "duckdb":
        config = {
            "memory_limit": f"{int(physical_memory() * memory_share) // 2**20}MB",
            "preserve_insertion_order": "false",
        }
        if spill_dir is not None:
            spill_dir.mkdir(parents=True, exist_ok=True)
            config["temp_directory"] = str(spill_dir)
        return ibis.duckdb.connect(**config)
    return ibis.pyspark.connect(session or spark_session(master, memory_share=memory_share))


def physical_memory() -> int:
    """Bytes of memory this machine has."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
