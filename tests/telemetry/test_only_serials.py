"""Reading only some machines: a long list of serials (a billing run's thousands) keeps exactly
the rows a short list would, through a semi-join instead of thousands of literals."""

from __future__ import annotations

import ibis
import pyarrow as pa

from servitize.telemetry.service import only_serials


def _kept(wanted: list[str]) -> list[int]:
    table = ibis.memtable(
        pa.table({"serial": [f"S{i}" for i in range(1000)], "x": list(range(1000))})
    )
    con = ibis.duckdb.connect()
    return sorted(con.to_pyarrow(only_serials(table, wanted)).column("x").to_pylist())


def test_long_and_short_lists_keep_exactly_the_wanted_machines() -> None:
    every_third = [f"S{i}" for i in range(0, 1000, 3)]  # 334 serials: above the literal limit
    assert _kept(every_third) == list(range(0, 1000, 3))
    assert _kept(every_third[:5]) == [0, 3, 6, 9, 12]
    assert _kept(["S7", "unknown"] + [f"X{i}" for i in range(300)]) == [7]
    assert _kept([]) == []
