"""The pure rules: typed values and reasons from the column contract, on DuckDB, no records."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from servitize.installed_base.columns import KINDS
from servitize.installed_base.importing.manual import markdown
from servitize.installed_base.importing.reading import ImportFileError
from servitize.installed_base.importing.rules import typed_sql
from servitize.installed_base.importing.service import kind_of


def _check(kind: str, rows: list[dict[str, str | None]]) -> list[tuple]:
    spec = KINDS[kind]
    n = len(rows)
    table = pa.table(
        {c.name: pa.array([r.get(c.name) for r in rows], pa.string()) for c in spec.columns}
        | {
            "_shape": pa.nulls(n, pa.string()),
            "_idx": list(range(n)),
            "_line": list(range(2, n + 2)),
        }
    )
    con = duckdb.connect()
    con.register("raw", table)
    sql = typed_sql(spec, "raw", date(2026, 11, 23), "CHF", {"name": 10})
    return con.execute(f"SELECT * FROM ({sql}) ORDER BY _line").fetchall()


def test_accounts_values_are_typed_and_defaulted():
    (row,) = _check(
        "accounts",
        [
            {
                "external_id": " A1 ",
                "name": "Acme",
                "country": "de",
                "employees": "250",
                "turnover": "1234.505",
                "volume": "5",
            }
        ],
    )
    values = dict(
        zip(
            ["_idx", "_line", *[c.name for c in KINDS["accounts"].columns], "_reason"],
            row,
            strict=False,
        )
    )
    assert values["external_id"] == "A1"
    assert (values["country"], values["currency"], values["kind"]) == ("DE", "CHF", "customer")
    assert (values["employees"], values["turnover"], values["volume"]) == (250, 123451, 5)
    assert values["_reason"] is None


def test_each_rule_names_what_is_wrong():
    rows = _check(
        "accounts",
        [
            {"external_id": "A1", "name": "A much too long name", "volume": "0"},
            {"external_id": "A2", "name": "B", "employees": "-1", "kind": "partner"},
            {"external_id": None, "name": "C", "currency": "eur", "country": "Germany"},
        ],
    )
    assert [r[-1] for r in rows] == [
        "name is longer than 10 characters; volume '0' is outside 1 to 5",
        "kind 'partner' is not one of: customer, dealer; employees '-1' is negative",
        "external_id is required; country 'Germany' is not an ISO 3166 code",
    ]


def test_booleans_and_future_dates():
    rows = _check(
        "offerings",
        [
            {
                "external_id": "O1",
                "name": "x",
                "shell": "service",
                "revenue_model": "licence",
                "sign_up_eligible": "Yes",
            },
            {
                "external_id": "O2",
                "name": "x",
                "shell": "service",
                "revenue_model": "licence",
                "sign_up_eligible": "maybe",
            },
        ],
    )
    assert rows[0][-2] is True and rows[0][-1] is None
    assert rows[1][-1] == "sign_up_eligible 'maybe' is not true or false"
    (event,) = _check(
        "service-events",
        [{"external_id": "W", "asset": "E", "date": "2026-11-24", "kind": "remote"}],
    )
    assert event[-1] == "date '2026-11-24' is in the future"


def test_unknown_kind_is_a_file_error():
    with pytest.raises(ImportFileError, match="unknown kind 'planets'"):
        kind_of("planets")
    assert kind_of("service_events").name == "service-events"


def test_the_manual_is_written_from_the_columns():
    manual = Path(__file__).parents[3] / "docs" / "import.md"
    assert manual.read_text() == markdown(), "regenerate docs/import.md from manual.markdown()"
