"""The sample manufacturer: deterministic, referentially whole, and carrying real signal.

Expected values are computed here from the CSV files with plain Python, never by calling the
generator's own helpers.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from servitize.demo.generate import write_demo_data
from servitize.installed_base.columns import IMPORT_ORDER, KINDS

TODAY = date(2025, 6, 1)
ACCOUNTS = 200
SEED = 11
HIGH_DIGITAL = {"DE", "AT", "CH", "NL", "BE", "SE", "DK", "FI", "GB", "US", "CA", "JP", "AE"}


def _rows(folder: Path, kind: str) -> list[dict[str, str]]:
    with (folder / f"{kind}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    write_demo_data(out, ACCOUNTS, SEED, today=TODAY)
    return out


@pytest.fixture(scope="module")
def data(demo: Path) -> dict[str, list[dict[str, str]]]:
    return {kind: _rows(demo, kind) for kind in IMPORT_ORDER}


def _age(install: str, on: date = TODAY) -> float:
    return (on - date.fromisoformat(install)).days / 365.25


def test_same_seed_same_bytes_other_seed_other_bytes(demo: Path, tmp_path: Path):
    again = write_demo_data(tmp_path / "again", ACCOUNTS, SEED, today=TODAY)
    other = write_demo_data(tmp_path / "other", ACCOUNTS, SEED + 1, today=TODAY)

    assert set(again) == set(IMPORT_ORDER)
    for kind, path in again.items():
        assert path.read_bytes() == (demo / f"{kind}.csv").read_bytes(), kind
    assert other["assets"].read_bytes() != again["assets"].read_bytes()
    assert other["orders"].read_bytes() != again["orders"].read_bytes()


def test_headers_are_the_column_contract(demo: Path):
    for kind in IMPORT_ORDER:
        with (demo / f"{kind}.csv").open(encoding="utf-8", newline="") as f:
            header = next(csv.reader(f))
        assert header == [c.name for c in KINDS[kind].columns], kind


def test_every_reference_resolves_to_an_earlier_row(data: dict[str, list[dict[str, str]]]):
    def key(kind: str, row: dict[str, str]) -> tuple[str, ...]:
        return tuple(row[k] for k in KINDS[kind].keys)

    keys = {kind: {key(kind, row) for row in data[kind]} for kind in IMPORT_ORDER}
    for kind in IMPORT_ORDER:
        assert len(keys[kind]) == len(data[kind]), f"{kind}: duplicate keys"
        for column in KINDS[kind].columns:
            if column.ref is None:
                continue
            seen: set[str] = set()
            for row in data[kind]:
                values = (
                    row[column.name].split("|") if column.type == "refs" else [row[column.name]]
                )
                for value in filter(None, values):
                    assert (value,) in keys[column.ref], (kind, column.name, value)
                    if column.ref == kind:  # self-references point at an earlier row
                        assert value in seen, (kind, value)
                seen.add(row[KINDS[kind].key])
    site_account = {s["external_id"]: s["account"] for s in data["sites"]}
    for kind in ("assets", "visits"):
        for row in data[kind]:
            if row["site"]:
                assert site_account[row["site"]] == row["account"], (kind, row)
    asset_account = {a["external_id"]: a["account"] for a in data["assets"]}
    for order in data["orders"]:
        for asset in filter(None, order["assets"].split("|")):
            assert asset_account[asset] == order["account"]


def test_required_columns_are_filled_and_enums_legal(data: dict[str, list[dict[str, str]]]):
    for kind in IMPORT_ORDER:
        for column in KINDS[kind].columns:
            legal = {m.value for m in column.enum} if column.enum else None
            for row in data[kind]:
                value = row[column.name]
                if column.required:
                    assert value, (kind, column.name, row)
                if legal and value:
                    assert value in legal, (kind, column.name, value)
    for asset in data["assets"]:
        assert bool(asset["competitor"]) == (asset["origin"] == "competitor")


def test_no_future_dates_except_scheduled_visits(data: dict[str, list[dict[str, str]]]):
    for kind, column in (
        ("assets", "install_date"),
        ("service-events", "date"),
        ("orders", "date"),
    ):
        days = [date.fromisoformat(r[column]) for r in data[kind] if r[column]]
        assert days and max(days) <= TODAY, kind
    visits = [date.fromisoformat(v["date"]) for v in data["visits"]]
    assert min(visits) < TODAY < max(visits) <= TODAY + timedelta(days=30)
    technicians = {
        u["username"]: u["territory"] for u in data["users"] if u["role"] == "technician"
    }
    territory = {a["external_id"]: a["territory"] for a in data["accounts"]}
    for visit in data["visits"]:
        assert technicians[visit["technician"]] == territory[visit["account"]]


def test_sensor_generation_matches_age(data: dict[str, list[dict[str, str]]]):
    retrofitted = {o["assets"] for o in data["orders"] if o["offering"] == "X-RETRO"}
    by_generation: Counter[str] = Counter()
    for asset in data["assets"]:
        if not asset["install_date"]:
            continue
        age = _age(asset["install_date"])
        generation = asset["connectivity"]
        by_generation[generation] += 1
        if generation == "none":
            assert age >= 15, asset
        elif generation == "legacy":
            assert 6 <= age < 15, asset
        else:
            assert age < 6 or (asset["origin"] == "own" and asset["external_id"] in retrofitted), (
                asset
            )
    assert min(by_generation.values()) > 100


def test_installed_base_size_mix_and_flaws(data: dict[str, list[dict[str, str]]]):
    assets = data["assets"]
    customers = [a for a in data["accounts"] if a["kind"] == "customer"]
    assert 8 <= len(assets) / len(customers) <= 12
    assert 0.15 < sum(a["origin"] == "competitor" for a in assets) / len(assets) < 0.45
    ages = [_age(a["install_date"]) for a in assets if a["install_date"]]
    assert min(ages) < 1 and 25 < max(ages) <= 30
    assert any(a["parent"] for a in assets)
    for column in ("serial", "install_date", "model", "site"):
        share = sum(not a[column] for a in assets) / len(assets)
        assert 0.005 < share < 0.06, column
    for asset in assets:
        if asset["origin"] == "own" and asset["install_date"]:
            installed = date.fromisoformat(asset["install_date"])
            two_years = (
                installed.replace(year=installed.year + 2, day=min(installed.day, 28))
                if (installed.month, installed.day) == (2, 29)
                else installed.replace(year=installed.year + 2)
            )
            assert asset["warranty_end"] == two_years.isoformat()
    roles = {c["buying_role"] for c in data["contacts"]}
    assert roles == {"decision_maker", "decision_influencer", "user", "technical", "procurement"}
    assert {a["kind"] for a in data["accounts"]} == {"customer", "dealer"}
    assert any(a["dealer"] for a in data["accounts"])


def test_repairs_per_asset_year_rise_with_age(data: dict[str, list[dict[str, str]]]):
    since = TODAY - timedelta(days=2 * 365)
    repairs = Counter(
        e["asset"]
        for e in data["service-events"]
        if e["kind"] == "repair" and date.fromisoformat(e["date"]) >= since
    )
    bands: dict[int, list[int]] = defaultdict(list)
    for asset in data["assets"]:
        if asset["install_date"] and date.fromisoformat(asset["install_date"]) <= since:
            age = _age(asset["install_date"], TODAY - timedelta(days=365))
            bands[0 if age < 8 else 1 if age < 16 else 2].append(repairs[asset["external_id"]])
    rate = [sum(bands[b]) / len(bands[b]) / 2 for b in range(3)]
    assert rate[0] < rate[1] < rate[2]
    assert rate[2] > 1.8 * rate[0]
    per_component = Counter(
        (e["asset"], e["component"]) for e in data["service-events"] if e["kind"] == "repair"
    )
    assert sum(n >= 3 for n in per_component.values()) > 20  # repeat failures


def test_ready_accounts_buy_more_services_and_digital(data: dict[str, list[dict[str, str]]]):
    shell = {o["external_id"]: o["shell"] for o in data["offerings"]}
    buyers = {
        o["account"]
        for o in data["orders"]
        if shell[o["offering"]] in ("digital_service", "smart_pss_bundle")
        and not o["offering"].startswith("M-")
    }
    high, low = [], []
    for account in data["accounts"]:
        if account["kind"] != "customer":
            continue
        ready = account["ownership_type"] in ("listed", "investor")
        digital = account["country"] in HIGH_DIGITAL
        if ready and digital:
            high.append(account["external_id"] in buyers)
        elif not ready and not digital:
            low.append(account["external_id"] in buyers)
    assert len(high) > 15 and len(low) > 15
    assert sum(high) / len(high) > sum(low) / len(low) + 0.25


def test_some_customers_drift(data: dict[str, list[dict[str, str]]]):
    last: dict[str, date] = {}
    for order in data["orders"]:
        day = date.fromisoformat(order["date"])
        last[order["account"]] = max(day, last.get(order["account"], day))
    with_assets = {a["account"] for a in data["assets"]}
    drifted = [a for a in with_assets if last.get(a, date.min) < TODAY - timedelta(days=365)]
    assert 0.03 < len(drifted) / len(with_assets) < 0.35
    assert {o["channel"] for o in data["orders"]} == {"sales_rep", "technician", "renewal", "web"}


def test_cli_prints_counts_as_json(tmp_path: Path):
    from servitize.cli import app

    result = CliRunner().invoke(
        app,
        [
            "demo-data",
            "--accounts",
            "20",
            "--seed",
            "3",
            "--out",
            str(tmp_path),
            "--today",
            "2025-06-01",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    files = json.loads(result.output)["files"]
    for kind in IMPORT_ORDER:
        path = Path(files[kind]["path"])
        assert files[kind]["rows"] == len(_rows(path.parent, kind))


@pytest.mark.slow  # generates and imports a whole sample manufacturer
def test_importer_takes_every_row(demo: Path, tmp_path: Path):
    from servitize.core.db import make_engine
    from servitize.installed_base.importing.service import import_directory
    from servitize.trust.audit import Actor
    from tests.conftest import migrated_sqlite

    url = migrated_sqlite(tmp_path / "records.db")
    engine = make_engine(url)
    try:
        results = import_directory(engine, demo, actor=Actor("demo-test"), today=TODAY)
    finally:
        engine.dispose()
    assert list(results) == list(IMPORT_ORDER)
    for kind, result in results.items():
        assert result.rejected == 0, (kind, result.rejects_file)
        assert result.landed == len(_rows(demo, kind)), kind


def test_visits_have_a_start_time_and_a_duration(data: dict[str, list[dict[str, str]]]):
    """Every sample visit starts on the half hour between 07:00 and 15:30 (HH:MM) and lasts a
    quarter-hour multiple of minutes that fits its job: at most 8 hours, an installation the
    longest, a call-out visit at most 1.5 hours."""
    longest = {"installation": 480, "repair": 300, "maintenance": 240, "inspection": 120}
    for visit in data["visits"]:
        hours, minutes = visit["start_time"].split(":")
        assert len(hours) == len(minutes) == 2, visit
        assert 7 <= int(hours) <= 15 and minutes in ("00", "30"), visit
        duration = int(visit["duration_minutes"])
        assert 30 <= duration <= longest.get(visit["job_type"], 90), visit
        assert duration % 15 == 0, visit
    assert len({v["start_time"] for v in data["visits"]}) > 5
    assert len({v["duration_minutes"] for v in data["visits"]}) > 5
