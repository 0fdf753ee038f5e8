"""Contract money is true to the cent: own machines only, enough known hours, no data is unknown.

The worked case (by hand): machine S-A of one customer, April 2026 (720 h), a heartbeat
"running" every day at 12:00; four unplanned stops of 5 h (3, 10, 17, 24 April 00:00–05:00) and
8 h of planned maintenance (28 April 00:00–08:00): uptime 720 − 20 − 8 = 692 h, downtime 20 h,
availability 692 / 712 = 97.19101 % → 97.1910 %. Target 98 %, a linear penalty of 2 × the
shortfall (0.002 % of the fee per 0.001 point, cap 10 %): 0.809 points → 1.618 % of
10,000.00 EUR = −161.80 EUR. Another customer's machine S-B has a 40-h downtime record in April;
it must change nothing of S-A's contract and never appear in its report.
"""

from __future__ import annotations

import csv
import io
import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from servitize.contracts import report as rp
from servitize.contracts import service as contracts
from servitize.contracts.models import AvailabilityContract
from servitize.contracts.report_files import report_pdf, result_sentence
from servitize.installed_base.models import Account, Asset
from servitize.telemetry import consent
from servitize.telemetry.availability import month_period
from servitize.telemetry.downtime import add_downtime
from servitize.telemetry.models import DataSharingAgreement
from servitize.telemetry.service import Options, compute
from servitize.telemetry.store import Batch, TelemetryStore
from servitize.trust import audit
from servitize.trust.models import User
from tests import builders
from tests.contracts.test_report_files import _text
from tests.telemetry.helpers import us, utc
from tests.web.conftest import log_in

ACTOR = audit.Actor("test")
APRIL = month_period("2026-04")
AT = utc("2026-05-05T00:00")
PASSWORD = "money-test-password"
MEASURED = 97.1910  # 692 / 712, four decimals
AMOUNT = Decimal("-161.80")


@dataclass
class World:
    """Two customers, one contract on the first one's machine."""

    owner: User
    account: Account
    other: Account
    sa: Asset
    sb: Asset
    contract: AvailabilityContract
    store: TelemetryStore


def heartbeats(serial: str, first: str, last: str) -> list[tuple[str, str, str]]:
    """A "running" event every day at 12:00 from ``first`` to ``last`` (both included)."""
    out, day = [], utc(first)
    while day <= utc(last):
        out.append((serial, day.strftime("%Y-%m-%dT%H:%M"), "running"))
        day += timedelta(days=1)
    return out


def write(store: TelemetryStore, events: list[tuple[str, str, str]]) -> None:
    batch = Batch()
    for serial, ts, state in events:
        batch.add_status(serial, us(ts), state, None, us("2026-05-01T13:00"), "test")
    store.write(batch)


def build(session, data_dir, **contract_fields) -> World:  # type: ignore[no-untyped-def]
    owner = builders.user(session, role="account_owner", full_name="Anna Owner")
    other_owner = builders.user(session, role="account_owner")
    account = builders.account(
        session, name="Presswerk Nord GmbH", owner_id=owner.id, territory="north"
    )
    other = builders.account(
        session, name="Other Customer AG", owner_id=other_owner.id, territory="south"
    )
    sa = builders.asset(session, account, serial=f"SA-{account.id}")
    sb = builders.asset(session, other, serial=f"SB-{other.id}")
    store = TelemetryStore(data_dir / "telemetry")
    events = heartbeats(sa.serial or "", "2026-03-31T12:00", "2026-05-01T12:00")
    for day in (3, 10, 17, 24):
        events += [
            (sa.serial or "", f"2026-04-{day:02d}T00:00", "down"),
            (sa.serial or "", f"2026-04-{day:02d}T05:00", "running"),
        ]
    events += [
        (sa.serial or "", "2026-04-28T00:00", "planned_maintenance"),
        (sa.serial or "", "2026-04-28T08:00", "running"),
    ]
    events += heartbeats(sb.serial or "", "2026-03-31T12:00", "2026-05-01T12:00")
    write(store, events)
    for acc in (account, other):
        consent.record_agreement(
            session,
            ACTOR,
            acc.id,
            ["status", "usage", "energy"],
            ["contract_verification"],
            utc("2026-01-01T00:00"),
        )
    add_downtime(
        session, ACTOR, sb.id, utc("2026-04-05T00:00"), utc("2026-04-06T16:00"), cause="gearbox"
    )
    fields = {
        "external_id": f"AV-{account.id}",
        "account_id": account.id,
        "name": "Press availability",
        "target_pct": 98.0,
        "fee_cents": 10_000_00,
        "penalty_pct_per_step": 0.002,
        "penalty_step_points": 0.001,
        "penalty_cap_pct": 10,
        "valid_from": utc("2026-01-01T00:00"),
    }
    contract = contracts.create_contract(session, ACTOR, **(fields | contract_fields))
    return World(owner, account, other, sa, sb, contract, store)


@pytest.fixture
def world(session, tmp_path) -> World:  # type: ignore[no-untyped-def]
    return build(session, tmp_path)


@pytest.mark.slow  # availability computed for two contracts on every path
def test_a_contract_reads_only_its_own_machines(session, world: World) -> None:  # type: ignore[no-untyped-def]
    result = contracts.evaluate(session, world.store, world.contract, APRIL, at=AT)
    assert result.measured_pct == MEASURED
    assert (result.band, result.amount) == ("penalty", AMOUNT)
    [asset] = result.assets
    assert asset["serial"] == world.sa.serial
    assert (
        asset["uptime_hours"],
        asset["downtime_hours"],
        asset["planned_maintenance_hours"],
        asset["failures"],
    ) == (692, 20, 8, 4)
    assert {e["serial"] for e in result.evidence} == {world.sa.serial}
    # a contract that lists the other customer's serial still reads only its account's machine
    world.contract.serials = [world.sa.serial, world.sb.serial]
    session.flush()
    assert contracts.contract_serials(session, world.contract) == [world.sa.serial]
    listed = contracts.evaluate(session, world.store, world.contract, APRIL, at=AT)
    assert (listed.measured_pct, listed.amount) == (MEASURED, AMOUNT)
    r = rp.build_report(session, world.store, world.contract, "2026-04", 2, at=AT)
    assert [a.serial for a in r.assets] == [world.sa.serial]
    assert {s.serial for s in r.downtime} == {world.sa.serial}
    text = _text(report_pdf(r, compress=False))
    assert (world.sb.serial or "").encode() not in text and b"gearbox" not in text
    assert b"-161.80 EUR" in text


def test_availability_reads_only_the_accounts_asked_for(session, world: World) -> None:  # type: ignore[no-untyped-def]
    rows = compute(session, world.store, APRIL, Options(at=AT), account_ids=[world.account.id])
    assert [r["serial"] for r in rows] == [world.sa.serial]
    # and a serial filter alone no longer lets another machine's downtime record in
    rows = compute(session, world.store, APRIL, Options(at=AT), serials=[world.sa.serial or ""])
    assert [r["serial"] for r in rows] == [world.sa.serial]


def test_api_availability_keeps_to_the_users_territory(
    client, session, world: World, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from servitize.trust.passwords import hash_password

    manager = builders.user(session, role="service_manager", territory="north")
    manager.password_hash = hash_password(PASSWORD)
    session.flush()
    client.app.state.settings = client.app.state.settings.model_copy(update={"data_dir": tmp_path})
    log_in(client, manager.username, PASSWORD)
    answer = client.get(
        "/api/v1/availability?month=2026-04", headers={"accept": "application/json"}
    )
    assert answer.status_code == 200, answer.text
    serials = {r["serial"] for r in answer.json()["assets"]}
    assert world.sa.serial in serials and world.sb.serial not in serials


def test_a_month_with_few_known_hours_is_not_measurable(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """May 2026 (744 h): the machine reports "down" at 00:00 and again at 08:00, then nothing:
    8 of 744 hours known (1.08 %), all of them down. Without a minimum coverage that month would
    settle at 0 % and the maximum penalty; below the contract's 90 % it moves no money."""
    w = build(session, tmp_path)
    silent = builders.asset(session, w.account, serial=f"SC-{w.account.id}")
    w.contract.serials = [silent.serial]
    session.flush()
    write(
        w.store,
        [
            (silent.serial or "", "2026-05-01T00:00", "down"),
            (silent.serial or "", "2026-05-01T08:00", "down"),
        ],
    )
    result = contracts.evaluate(
        session, w.store, w.contract, month_period("2026-05"), at=utc("2026-06-05T00:00")
    )
    assert result.band == "not_measurable" and result.amount == Decimal(0)
    assert result.coverage_pct == pytest.approx(100 * 8 / 744, abs=1e-4)
    assert result.result == "not measurable: 1 % of hours known"
    r = rp.build_report(session, w.store, w.contract, "2026-05", 1, at=utc("2026-06-05T00:00"))
    assert "not measurable: 1 % of hours known" in result_sentence(r)
    assert b"not measurable: 1 % of hours known" in _text(report_pdf(r, compress=False))
    [row] = rp.availability_rows(r.trend)
    values = dict(zip(rp.AVAILABILITY_COLUMNS, row, strict=True))
    assert (values["band"], values["amount"], values["result"]) == (
        "not_measurable",
        Decimal(0),
        "not measurable: 1 % of hours known",
    )
    # the contract may ask for less: at 1 % minimum coverage the month settles (0 %: capped penalty)
    w.contract.min_coverage_pct = 1.0
    session.flush()
    settled = contracts.evaluate(
        session, w.store, w.contract, month_period("2026-05"), at=utc("2026-06-05T00:00")
    )
    assert (settled.measured_pct, settled.band, settled.amount) == (
        0.0,
        "penalty",
        Decimal("-1000.00"),
    )


def test_revoked_consent_is_not_measurable_with_the_reason(session, world: World) -> None:  # type: ignore[no-untyped-def]
    [agreement] = session.scalars(
        select(DataSharingAgreement).where(DataSharingAgreement.account_id == world.account.id)
    ).all()
    consent.revoke(session, ACTOR, agreement.id, at=utc("2026-05-01T00:00"))
    r = rp.build_report(session, world.store, world.contract, "2026-04", 1, at=AT)
    assert (r.result.band, r.result.amount, r.result.coverage_pct) == (
        "not_measurable",
        Decimal(0),
        0.0,
    )
    sentence = result_sentence(r)
    assert (
        "not measurable: 0 % of hours known" in sentence and "no data-sharing agreement" in sentence
    )
    assert "credited to you" not in sentence


def test_no_observation_is_unknown_never_full_availability(session, world: World) -> None:  # type: ignore[no-untyped-def]
    # the data end on 1 May 12:00: a long horizon must not carry "running" into later months
    long = Options(horizon=timedelta(days=400), at=utc("2026-09-01T00:00"))
    [row] = compute(
        session, world.store, month_period("2026-07"), long, serials=[world.sa.serial or ""]
    )
    assert (row["availability"], row["coverage"], row["known_hours"]) == (None, 0.0, 0.0)
    [may] = compute(
        session, world.store, month_period("2026-05"), long, serials=[world.sa.serial or ""]
    )
    assert may["known_hours"] == 12  # 1 May 00:00–12:00, up to the newest reading
    future = compute(
        session, world.store, month_period("2027-01"), long, serials=[world.sa.serial or ""]
    )
    assert [r["availability"] for r in future] == [None]


def test_service_events_know_nothing_before_the_first_record_or_in_the_future(
    session, world: World
) -> None:  # type: ignore[no-untyped-def]
    builders.service_event(
        session, world.sa, kind="repair", day=utc("2026-03-10T00:00").date(), downtime_hours=10
    )
    builders.service_event(
        session, world.sa, kind="inspection", day=utc("2026-03-20T00:00").date(), downtime_hours=0
    )
    options = Options(source="service_events", at=utc("2026-03-25T00:00"))
    serials = [world.sa.serial or ""]
    [before] = compute(session, world.store, month_period("2026-02"), options, serials=serials)
    [future] = compute(session, world.store, month_period("2026-04"), options, serials=serials)
    assert before["availability"] is None and future["availability"] is None
    # maintenance planned ahead (a work order dated after now) is not yet an observation
    builders.service_event(
        session, world.sa, kind="maintenance", day=utc("2026-03-28T00:00").date(), downtime_hours=6
    )
    options = Options(source="service_events", at=utc("2026-03-25T00:00"))
    [march] = compute(session, world.store, month_period("2026-03"), options, serials=serials)
    # known from the repair on 10 March 00:00 to the end of the inspection (20 March 04:00, the
    # default 4 h of a non-repair record): 244 h, 10 of them down
    assert (march["known_hours"], march["downtime_hours"], march["planned_maintenance_hours"]) == (
        244,
        10,
        0,
    )
    assert march["availability"] == pytest.approx(234 / 244)


def test_a_silent_machine_stays_down_until_it_reports_again(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A stop from 2 June 00:00 with no message until "running" on 12 June 00:00: 240 h down by
    default; a contract that counts silence after down as unknown has 168 h down (the 7-day
    horizon) and 72 h unknown."""
    w = build(session, tmp_path)
    quiet = builders.asset(session, w.account, serial=f"SQ-{w.account.id}")
    write(
        w.store,
        [
            (quiet.serial or "", "2026-06-01T00:00", "running"),
            (quiet.serial or "", "2026-06-02T00:00", "down"),
            (quiet.serial or "", "2026-06-12T00:00", "running"),
            (quiet.serial or "", "2026-06-13T00:00", "running"),
        ],
    )
    june = month_period("2026-06")
    [row] = compute(session, w.store, june, Options(at=AT), serials=[quiet.serial or ""])
    assert (row["downtime_hours"], row["uptime_hours"], row["failures"]) == (240, 48, 1)
    [row] = compute(
        session,
        w.store,
        june,
        Options(at=AT, silence_after_down="unknown"),
        serials=[quiet.serial or ""],
    )
    assert (row["downtime_hours"], row["known_hours"]) == (168, 48 + 168)
    w.contract.silence_after_down = "unknown"
    w.contract.serials = [quiet.serial]
    session.flush()
    evaluated = contracts.evaluate(session, w.store, w.contract, june, at=AT)
    assert evaluated.assets[0]["downtime_hours"] == 168
    stop = [e for e in evaluated.evidence if e["state"] == "down"]
    assert [(e["start"], e["end"]) for e in stop] == [
        (utc("2026-06-02T00:00"), utc("2026-06-09T00:00"))
    ]


def test_a_stop_across_the_month_end_ends_when_it_ended(session, world: World) -> None:  # type: ignore[no-untyped-def]
    write(
        world.store,
        [
            (world.sa.serial or "", "2026-04-30T22:00", "down"),
            (world.sa.serial or "", "2026-05-01T04:00", "running"),
        ],
    )
    r = rp.build_report(session, world.store, world.contract, "2026-04", 1, at=AT)
    [last] = [s for s in r.downtime if s.start == utc("2026-04-30T22:00")]
    assert (last.end, last.hours_in_month) == (utc("2026-05-01T04:00"), 2.0)


def test_an_excluded_month_says_why(session, world: World) -> None:  # type: ignore[no-untyped-def]
    add_downtime(
        session,
        ACTOR,
        world.sa.id,
        utc("2026-04-01T00:00"),
        utc("2026-05-01T00:00"),
        excluded=True,
        cause="plant closed by the customer",
    )
    r = rp.build_report(session, world.store, world.contract, "2026-04", 1, at=AT)
    assert (r.result.band, r.result.amount) == ("excluded", Decimal(0))
    sentence = result_sentence(r)
    assert "No status data reached us" not in sentence
    assert "excluded" in sentence and "plant closed by the customer" in sentence
    assert b"No status data reached us" not in _text(report_pdf(r, compress=False))


def test_below_target_within_a_step_is_never_on_target(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """97.1910 % against 97.5 % with steps of 0.5 point: 0.309 below, no full step, no money."""
    w = build(session, tmp_path, target_pct=97.5, penalty_pct_per_step=2.0, penalty_step_points=0.5)
    r = rp.build_report(session, w.store, w.contract, "2026-04", 1, at=AT)
    assert (r.result.band, r.result.amount) == ("below_target", Decimal(0))
    assert (
        rp.band_label(r.result.band) != "On target"
        and r.result.result == "Below target, no penalty"
    )
    assert result_sentence(r).startswith("0.31 points below target")
    assert b"On target" not in _text(report_pdf(r, compress=False))


@contextmanager
def _shared(session):  # type: ignore[no-untyped-def]
    yield session
    session.flush()


@pytest.mark.slow
def test_the_same_month_has_the_same_money_on_every_path(
    client,
    session,
    world: World,
    tmp_path,  # type: ignore[no-untyped-def]
    monkeypatch,
) -> None:
    from servitize.contracts import cli as contracts_cli
    from servitize.trust.passwords import hash_password

    world.owner.password_hash = hash_password(PASSWORD)
    session.flush()
    client.app.state.settings = client.app.state.settings.model_copy(update={"data_dir": tmp_path})
    log_in(client, world.owner.username, PASSWORD)
    cid, ext = world.contract.id, world.contract.external_id
    amounts: dict[str, Decimal] = {}
    page = client.get(f"/contracts/{cid}/report?period=2026-04&months=2")
    assert page.status_code == 200, page.text
    assert "-161.80" in page.text.split('data-testid="kpi-amount"')[1][:400]
    amounts["page"] = AMOUNT
    listing = client.get("/contracts?period=2026-04").text
    row = listing.split(ext)[1][:800]
    assert "-161.80" in row and "97.19" in row
    amounts["contracts page"] = AMOUNT
    pdf = _text(client.get(f"/contracts/{cid}/report.pdf?period=2026-04&months=2").content)
    assert b"-161.80 EUR" in pdf and b"97.19 %" in pdf
    amounts["pdf"] = AMOUNT
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(
                    f"/contracts/{cid}/report.csv?table=availability&from=2026-04&to=2026-04"
                ).text
            )
        )
    )
    amounts["csv"] = Decimal(rows[0]["amount"])
    assert float(rows[0]["availability_pct"]) == MEASURED
    book = load_workbook(
        io.BytesIO(client.get(f"/contracts/{cid}/report.xlsx?from=2026-04&to=2026-04").content)
    )
    sheet = list(book["Availability"].iter_rows(values_only=True))
    amounts["xlsx"] = Decimal(str(sheet[1][7]))
    json_headers = {"accept": "application/json"}
    api_report = client.get(
        f"/api/v1/contracts/{cid}/report?period=2026-04&months=1", headers=json_headers
    ).json()
    amounts["api report"] = Decimal(str(api_report["result"]["amount"]))
    [api_eval] = [
        c
        for c in client.get(
            "/api/v1/contracts/evaluation?period=2026-04", headers=json_headers
        ).json()["contracts"]
        if c["contract"] == ext
    ]
    amounts["api evaluation"] = Decimal(str(api_eval["amount"]))
    assert api_eval["measured_pct"] == api_report["result"]["availability_pct"] == MEASURED

    monkeypatch.setattr(contracts_cli, "cli_session", lambda *a, **k: _shared(session))
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path))
    from servitize.cli import app

    runner = CliRunner()
    evaluated = runner.invoke(app, ["contracts", "evaluate", "--period", "2026-04", "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    [mine] = [c for c in json.loads(evaluated.stdout)["contracts"] if c["contract"] == ext]
    amounts["cli evaluate"] = Decimal(str(mine["amount"]))
    reported = runner.invoke(
        app, ["contracts", "report", ext, "--period", "2026-04", "--months", "1", "--json"]
    )
    assert reported.exit_code == 0, reported.output
    amounts["cli report"] = Decimal(str(json.loads(reported.stdout)["result"]["amount"]))
    assert amounts == dict.fromkeys(amounts, AMOUNT)
