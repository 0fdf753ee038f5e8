"""The records the analytics batch reads, moved out of the records DB as Arrow tables.

DuckDB here cannot attach SQLite or PostgreSQL (no scanner extensions), so records travel as
Arrow; the same tables can come from Parquet files (the benchmark) or any other source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from servitize.core.dates import nearest_date
from servitize.installed_base.repository import load_rates
from servitize.intelligence import repository
from servitize.kit.money import Rates

I64, F64, S, D = pa.int64(), pa.float64(), pa.string(), pa.date32()

SCHEMAS: dict[str, pa.Schema] = {
    "accounts": pa.schema(
        [
            ("account_id", I64),
            ("external_id", S),
            ("name", S),
            ("country", S),
            ("territory", S),
            ("industry", S),
            ("ownership_type", S),
            ("owner_id", I64),
            ("dealer_id", I64),
            ("volume", I64),
            ("profitability_potential", I64),
            ("technical_risk", I64),
            ("country_risk", I64),
            ("relationship_quality", I64),
        ]
    ),
    "assets": pa.schema(
        [
            ("asset_id", I64),
            ("account_id", I64),
            ("site_id", I64),
            ("external_id", S),
            ("serial", S),
            ("model", S),
            ("product_line", S),
            ("origin", S),
            ("install_date", D),
            ("connectivity", S),
            ("warranty_end", D),
            ("coverage", S),
            ("contract_end", D),
        ]
    ),
    # parts_cost_cents and amount are in the company currency at the rate of the record's day
    # (kit.money's convention), null where the currency has no rate: never counted 1:1.
    "events": pa.schema(
        [
            ("asset_id", I64),
            ("account_id", I64),
            ("day", D),
            ("kind", S),
            ("component", S),
            ("parts_cost_cents", I64),
            ("labour_hours", F64),
            ("downtime_hours", F64),
        ]
    ),
    "orders": pa.schema(
        [
            ("account_id", I64),
            ("offering_id", I64),
            ("day", D),
            ("amount_cents", I64),
            ("currency", S),
            ("family", S),
            ("shell", S),
            ("quantity", F64),
            ("amount", I64),
        ]
    ),
    "offerings": pa.schema(
        [
            ("offering_id", I64),
            ("external_id", S),
            ("name", S),
            ("family", S),
            ("shell", S),
            ("list_price_cents", I64),  # company currency at the rate of the run's day; null: none
            ("revenue_model", S),
            ("unit", S),
        ]
    ),
    "visits": pa.schema([("account_id", I64), ("technician_id", I64), ("day", D)]),
    "users": pa.schema([("user_id", I64), ("role", S), ("territory", S)]),
    "rates": pa.schema([("currency", S), ("day", D), ("rate", F64)]),
    "retrofits": pa.schema([("asset_id", I64), ("day", D)]),
    "usage": pa.schema(
        [
            ("asset_id", I64),
            ("utilisation", F64),
            ("energy_kwh", F64),
            ("operating_hours", F64),
            ("known_hours", F64),
            ("unplanned_stops", I64),
        ]
    ),
}


@dataclass
class Records:
    """Arrow tables of everything the features read; column names as in SCHEMAS."""

    accounts: pa.Table
    assets: pa.Table
    events: pa.Table
    orders: pa.Table
    offerings: pa.Table
    visits: pa.Table
    users: pa.Table
    rates: pa.Table
    usage: pa.Table = field(default_factory=lambda: empty("usage"))
    retrofits: pa.Table = field(default_factory=lambda: empty("retrofits"))

    def tables(self) -> dict[str, pa.Table]:
        """The tables by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def empty(name: str) -> pa.Table:
    """An empty table of a kind."""
    return SCHEMAS[name].empty_table()


def from_rows(name: str, rows: Sequence[Sequence[Any]]) -> pa.Table:
    """Build a table from row tuples in the column order of its schema."""
    schema = SCHEMAS[name]
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True)) if rows else [[] for _ in schema]
    return pa.Table.from_arrays(
        [pa.array(list(c), type=f.type) for c, f in zip(columns, schema, strict=True)],
        schema=schema,
    )


def driver_columns(fields: Sequence[pa.Field], rows: Sequence[tuple[Any, ...]]) -> list[pa.Array]:
    """Rows of a database driver's plain values (tuples in the order of ``fields``) as Arrow
    columns of the fields' types, converted by Arrow in one pass (as a struct array, never a
    Python loop over the rows). A date column the driver hands back as ISO text (SQLite's) is
    read as text and cast (``_dates``)."""
    read = []
    for i, f in enumerate(fields):
        if pa.types.is_date32(f.type):
            first = next((r[i] for r in rows if r[i] is not None), None)
            if isinstance(first, str):
                f = pa.field(f.name, S)
        read.append(f)
    struct = pa.array(rows, type=pa.struct(read))
    return [
        _dates(c) if pa.types.is_date32(f.type) and pa.types.is_string(c.type) else c.cast(f.type)
        for c, f in zip(struct.flatten(), fields, strict=True)
    ]


def _dates(text: pa.Array) -> pa.Array:
    """Stored date texts as dates, as the ORM reads them (``core.dates.nearest_date``): a date
    Python cannot hold (BC, year 0, a five-digit year, which an import stored before dates were
    checked) as 0001-01-01 or 9999-12-31, never an error that stops the batch."""
    try:
        found = text.cast(pa.date32())
    except pa.ArrowInvalid:  # a text Arrow cannot read: the rare column with a bad date
        values = text.to_pylist()
        return pa.array([None if v is None else nearest_date(v) for v in values], pa.date32())
    low, high = pa.scalar(date.min, pa.date32()), pa.scalar(date.max, pa.date32())
    at_least = pc.max_element_wise(found, low, skip_nulls=False)  # Arrow reads year 0
    return pc.min_element_wise(at_least, high, skip_nulls=False)


def from_driver_rows(name: str, rows: Sequence[tuple[Any, ...]]) -> pa.Table:
    """Build a table from a driver's row tuples in the column order of its schema."""
    schema = SCHEMAS[name]
    return pa.Table.from_arrays(driver_columns(list(schema), rows), schema=schema)


# The columns ``repository.analytics_records`` reads of the tables with money, in its order:
# the currency of the money columns among them, converted away here.
_MONEY: dict[str, list[str]] = {
    "events": [*SCHEMAS["events"].names, "currency"],
    "orders": SCHEMAS["orders"].names[:-1],  # amount: amount_cents converted
    "offerings": [*SCHEMAS["offerings"].names[:6], "currency", *SCHEMAS["offerings"].names[6:]],
}


def _named(name: str, rows: Sequence[tuple[Any, ...]]) -> dict[str, pa.Array]:
    """The columns read of a table with money, as Arrow by name (currencies as text)."""
    types = {**{f.name: f.type for f in SCHEMAS[name]}, "currency": S}
    fields = [pa.field(c, types[c]) for c in _MONEY[name]]
    return dict(zip(_MONEY[name], driver_columns(fields, rows), strict=True))


def load_records(
    session: Session,
    company: str,
    connectivity_offerings: Sequence[str],
    as_of: date,
) -> Records:
    """Read the records the features need from the records DB, as Arrow tables.

    Money is converted here, once, into the company currency by ``kit.money.Rates`` (the rate
    in force on each record's day), column by column (``Rates.convert_array``: the cents
    ``Rates.convert`` gives each row); amounts in a currency without any rate stay null. List
    prices hold on ``as_of`` (the run's day): the rate in force then, never one dated after.
    ``connectivity_offerings``: the catalogue items that add sensors to a machine.
    The rows come as the driver's plain tuples (``repository.analytics_records``) and become
    Arrow columns in one pass each, never decoded in Python row by row: at 300,000 machines
    that decoding and the conversion row by row were most of the record stages' time.
    """
    series = load_rates(session)
    rates = Rates(series, company)
    read = repository.analytics_records(session)
    tables = {name: from_driver_rows(name, r) for name, r in read.items() if name not in _MONEY}
    events = _named("events", read["events"])
    events["parts_cost_cents"] = rates.convert_array(
        events["parts_cost_cents"], events.pop("currency"), events["day"]
    )
    orders = _named("orders", read["orders"])
    orders["amount"] = rates.convert_array(
        orders["amount_cents"], orders["currency"], orders["day"]
    )
    offerings = _named("offerings", read["offerings"])
    in_force = Rates(series, company, as_of=as_of)  # never a rate dated after the run's day
    offerings["list_price_cents"] = in_force.convert_array(
        offerings["list_price_cents"],
        offerings.pop("currency"),
        pa.array([as_of] * len(read["offerings"]), D),
    )
    for name, arrays in (("events", events), ("orders", orders), ("offerings", offerings)):
        tables[name] = pa.Table.from_arrays(
            [arrays[f.name] for f in SCHEMAS[name]], schema=SCHEMAS[name]
        )
    tables["rates"] = from_rows("rates", [(c, d, r) for c, s in series.items() for d, r in s])
    tables["retrofits"] = from_driver_rows(
        "retrofits", repository.retrofit_days(session, connectivity_offerings)
    )
    return Records(**tables)
