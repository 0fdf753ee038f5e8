"""The Azure PdM sample: failures per machine agree with an independent count of the CSV."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import datetime, timedelta

import pytest

from servitize.telemetry import azure, consent
from servitize.telemetry.availability import month_period
from servitize.telemetry.service import Options, compute
from servitize.telemetry.stats import stats
from servitize.telemetry.store import TelemetryStore
from servitize.trust import audit
from tests.servers import DATASETS, require
from tests.telemetry.helpers import utc

DATA = DATASETS / "azure-pdm"


def independent_failure_counts(month: str, repair_hours: int = 8) -> dict[str, int]:
    """Stops per machine in a month, straight from the CSV: distinct failure times, where a
    failure while the machine is still down from the previous one (within the repair time)
    is no new stop (machine 73 on 2015-01-02: 03:00 and 06:00)."""
    times: dict[str, set[datetime]] = defaultdict(set)
    with (DATA / "PdM_failures.csv").open() as f:
        for row in csv.DictReader(f):
            times[row["machineID"]].add(datetime.fromisoformat(row["datetime"]))
    out: dict[str, int] = {}
    for machine, moments in times.items():
        down_until = datetime.min
        for at in sorted(moments):
            if at >= down_until and at.strftime("%Y-%m") == month:
                out[machine] = out.get(machine, 0) + 1
            down_until = (
                max(down_until, at + timedelta(hours=repair_hours))
                if at < down_until
                else at + timedelta(hours=repair_hours)
            )
    return out


@pytest.mark.slow  # imports a whole Azure sample and computes availability on it
def test_azure_import_failures_and_availability(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    require(DATA.is_dir(), f"the Azure PdM data set ({DATA}; set SERVITIZE_DATASETS)")
    store = TelemetryStore(tmp_path)
    result = azure.import_dir(session, store, DATA)
    assert result.assets == 100
    # 761 failure rows; components failing at one time on one machine are one stop
    with (DATA / "PdM_failures.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert result.repairs == len({(r["machineID"], r["datetime"]) for r in rows}) < 761
    # 3,286 maintenance rows, 743 of them repairs of failures: the rest is planned
    assert result.maintenance < 3286 - 700
    account = azure.ACCOUNT
    from sqlalchemy import select

    from servitize.installed_base.models import Account

    acc_id = session.scalar(select(Account.id).where(Account.external_id == account))
    consent.record_agreement(
        session,
        audit.Actor("test"),
        acc_id,
        ["status", "energy"],
        ["contract_verification"],
        utc("2014-01-01T00:00"),
    )
    serials = [str(i) for i in range(1, 101)]
    options = Options(horizon=timedelta(days=400), at=utc("2016-06-01T00:00"))
    for month in ("2015-01", "2015-06"):
        got = {
            r["serial"]: r
            for r in compute(session, store, month_period(month), options, serials=serials)
        }
        expected = independent_failure_counts(month)
        assert {s: r["failures"] for s, r in got.items() if r["failures"]} == expected
        one = got["1"]
        # every stop is down for 8 h: MTTR 8 h where a machine failed
        if one["failures"]:
            assert one["mttr_hours"] == pytest.approx(8.0)
        # the same failures counted from the work orders alone (a second method)
        by_records = {
            r["serial"]: r["failures"]
            for r in compute(
                session,
                store,
                month_period(month),
                Options(source="service_events", at=options.at),
                serials=serials,
            )
        }
        assert {s: n for s, n in by_records.items() if n} == expected
    counted = stats(store)
    assert counted["per_serial"]["1"]["measure"] == 2160 * 4 + sum(
        1 for r in csv.DictReader((DATA / "PdM_errors.csv").open()) if r["machineID"] == "1"
    )
