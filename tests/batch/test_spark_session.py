"""A local Spark session's driver heap is sized from the machine, not Spark's 1 GiB.

In local mode the executors run in the driver's JVM: with Spark's default heap the record
stages ran out of memory at 300,000 machines. The batch gives it the share of this machine's
memory that DuckDB may hold (``Settings.batch_memory_share``).
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from servitize.batch.engines import driver_memory

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]


def _memory() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def test_local_session_gets_half_the_memory_as_its_heap(spark: Any) -> None:
    want = max(1024, _memory() // 2 // 2**20)
    assert spark.sparkContext.getConf().get("spark.driver.memory") == f"{want}m"
    # the JVM was started with it (its largest heap is a little under -Xmx)
    runtime = spark.sparkContext._jvm.java.lang.Runtime.getRuntime()
    assert runtime.maxMemory() > 0.8 * want * 2**20


def test_share_and_floor() -> None:
    assert driver_memory(0.25) == f"{max(1024, _memory() // 4 // 2**20)}m"
    assert driver_memory(0.0001) == "1024m"  # never below Spark's own default
