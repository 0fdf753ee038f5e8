"""The analytics batch: every analytics stage on one engine, DuckDB or Spark, through Ibis.

``run_batch(engine, ...)`` runs telemetry compaction, availability per machine and contract
period, features, segments, leads, model scoring, CLV and billing usage over partitioned
Parquet (by month and a hash of the machine) and writes the results back to the records
database in bulk. The same Ibis expressions run on both engines.
"""

from __future__ import annotations

from typing import Any

__all__ = ["STAGES", "StageResult", "run_batch"]


def __getattr__(name: str) -> Any:
    """``run_batch``, ``StageResult``, ``STAGES`` load Ibis on first use (the command line's
    help must not)."""
    if name in __all__:
        from servitize.batch import run

        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
