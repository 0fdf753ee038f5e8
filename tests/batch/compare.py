"""Comparing the batch's Parquet results of two engines (or two runs), row by row.

Floats: a sum over rows in another order may change the last bit of a double (Spark adds the
partial sums of its partitions, DuckDB of its row groups), so hours and ratios are compared
after rounding to 9 decimals, well above the 1e-12 such an order changes and below the 1e-6
that every report shows; integers, text and timestamps are compared exactly.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds

DECIMALS = 9


def rows(folder: Path) -> list[dict[str, Any]]:
    """A result folder's rows (hive partitions as columns), in one order whatever the engine."""
    table = ds.dataset(folder, format="parquet", partitioning="hive").to_table()
    out = [
        {k: (str(v) if k == "month" else int(v) if k == "bucket" else v) for k, v in r.items()}
        for r in table.to_pylist()
    ]
    return sorted(out, key=lambda r: tuple(str(r[k]) for k in sorted(r)))


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return round(a, DECIMALS) == round(b, DECIMALS)
    return bool(a == b)


def differences(one: list[dict[str, Any]], other: list[dict[str, Any]]) -> list[Any]:
    """Where two folders' rows differ: a count, a set of columns or a value; [] when equal."""
    if len(one) != len(other):
        return [("rows", len(one), len(other))]
    out: list[Any] = []
    for a, b in zip(one, other, strict=True):
        if a.keys() != b.keys():
            out.append(("columns", sorted(a), sorted(b)))
            continue
        differ = {k: (a[k], b[k]) for k in a if not same(a[k], b[k])}
        if differ:
            out.append(differ)
    return out
