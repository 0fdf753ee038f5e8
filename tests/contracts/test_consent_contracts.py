"""Consent gates every computation; contracts settle from measured availability."""

from __future__ import annotations

from datetime import timedelta

import pytest

from servitize.contracts import service as contracts
from servitize.core.errors import InvalidInput
from servitize.telemetry import consent
from servitize.telemetry.availability import month_period
from servitize.telemetry.downtime import add_downtime, edit_downtime
from servitize.telemetry.service import Options, compute
from servitize.telemetry.store import TelemetryStore
from servitize.trust import audit
from tests import builders
from tests.telemetry.helpers import OCTOBER, utc, write_status

ACTOR = audit.Actor("test")
OCT = month_period("2026-10")
AT = utc("2026-11-05T00:00")


@pytest.fixture
def world(session, tmp_path):  # type: ignore[no-untyped-def]
    acc = builders.account(session)
    other = builders.account(session)
    a = builders.asset(session, acc, serial=f"A{acc.id}")
    b = builders.asset(session, other, serial=f"B{other.id}")
    store = TelemetryStore(tmp_path)
    write_status(store, [(a.serial, ts, st) for _s, ts, st in OCTOBER])
    write_status(store, [(b.serial, ts, st) for _s, ts, st in OCTOBER])
    return acc, other, a, b, store


def test_only_consenting_accounts_are_computed_and_revoking_acts_at_once(session, world) -> None:  # type: ignore[no-untyped-def]
    acc, other, a, b, store = world
    options = Options(horizon=timedelta(days=10), at=AT)
    assert compute(session, store, OCT, options, serials=[a.serial, b.serial]) == []
    agreement = consent.record_agreement(
        session, ACTOR, acc.id, ["status"], ["contract_verification"], utc("2026-01-01T00:00")
    )
    consent.record_agreement(
        session, ACTOR, other.id, ["status"], ["product_development"], utc("2026-01-01T00:00")
    )
    [row] = compute(session, store, OCT, options, serials=[a.serial, b.serial])
    assert row["serial"] == a.serial and row["availability"] == pytest.approx(732 / 740)
    consent.revoke(session, ACTOR, agreement.id, at=utc("2026-11-01T00:00"))
    assert compute(session, store, OCT, options, serials=[a.serial, b.serial]) == []
    actions = [
        e.action for e in audit.entries(session, "data_sharing_agreement", str(agreement.id))
    ]
    assert actions == ["revoke", "create"]
    with pytest.raises(InvalidInput):
        consent.record_agreement(session, ACTOR, acc.id, ["gossip"], ["contract_verification"], AT)


def test_no_data_is_unknown_not_full_availability(session, world) -> None:  # type: ignore[no-untyped-def]
    acc, _other, a, _b, store = world
    silent = builders.asset(session, acc, serial=f"S{acc.id}")
    consent.record_agreement(
        session, ACTOR, acc.id, ["status"], ["contract_verification"], utc("2026-01-01T00:00")
    )
    rows = {
        r["serial"]: r
        for r in compute(
            session,
            store,
            OCT,
            Options(horizon=timedelta(days=10), at=AT),
            serials=[a.serial, silent.serial],
        )
    }
    assert rows[silent.serial]["availability"] is None and rows[silent.serial]["coverage"] == 0.0


def test_contract_with_excluded_downtime_and_bands(session, world) -> None:  # type: ignore[no-untyped-def]
    acc, _other, a, _b, store = world
    consent.record_agreement(
        session,
        ACTOR,
        acc.id,
        ["status", "energy"],
        ["contract_verification"],
        utc("2026-01-01T00:00"),
    )
    contract = contracts.create_contract(
        session,
        ACTOR,
        external_id=f"AC-{acc.id}",
        account_id=acc.id,
        name="98 % promise",
        target_pct=99.5,
        fee_cents=10_000_00,
        penalty_pct_per_step=2,
        penalty_step_points=0.5,
        penalty_cap_pct=10,
        bonus_pct_per_step=1,
        bonus_step_points=0.5,
        bonus_cap_pct=3,
        valid_from=utc("2026-01-01T00:00"),
    )
    # horizon 7 days: 30 Sep 22:00 → 10 Oct is 9 days of silence; the first 2 days + 2 h are unknown
    result = contracts.evaluate(session, store, contract, OCT, at=AT)
    [asset] = result.assets
    assert asset["known_hours"] == 744 - 50
    # uptime 732 - 50 = 682, down 8: 682 / 690 = 98.8406 % → 0.6594 below 99.5: one step, 2 %
    assert result.measured_pct == pytest.approx(100 * 682 / 690, abs=1e-4)
    assert (result.band, result.steps, float(result.amount)) == ("penalty", 1, -200.0)
    stops = [e for e in result.evidence if e["state"] == "down"]
    assert [e["start"] for e in stops] == [utc("2026-10-10T00:00"), utc("2026-10-31T22:00")]
    # the service manager excludes the stop of the 31st (customer caused): 682 / 688 = 99.128 %
    d = add_downtime(
        session, ACTOR, a.id, utc("2026-10-31T22:00"), utc("2026-11-01T02:00"), cause="power cut"
    )
    edit_downtime(session, ACTOR, d.id, excluded=True)
    result = contracts.evaluate(session, store, contract, OCT, at=AT)
    assert result.measured_pct == pytest.approx(100 * 682 / 688, abs=1e-4)
    # 0.37 points below target: no full step, no money, but below target, never "on target"
    assert result.band == "below_target" and float(result.amount) == 0.0
    edits = audit.entries(session, "downtime_period", str(d.id))
    assert edits[0].before == {"excluded": False} and edits[0].after == {"excluded": True}
