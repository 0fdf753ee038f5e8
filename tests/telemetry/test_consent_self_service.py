"""Consent self-service at the service level: narrowing, widening the period, revoking, the
history of every change, the record of which computations used the data, and the issue's
end-to-end check (narrowed to contract verification: no usage-based lead, the contract still
evaluates; revoked: the month is not measurable, never a penalty)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from servitize.contracts import service as contracts
from servitize.core.errors import Conflict, InvalidInput
from servitize.intelligence.models import Lead
from servitize.intelligence.service import generate_leads
from servitize.intelligence.usage import consented_usage
from servitize.telemetry import consent, consent_record, consent_usage
from servitize.telemetry import consent_rules as rules
from servitize.telemetry.availability import month_period
from servitize.telemetry.models import DataUse
from servitize.telemetry.service import Options, compute
from servitize.trust import audit
from tests import builders as b
from tests.intelligence.test_usage import AS_OF, busy  # noqa: F401 (fixture)
from tests.telemetry.helpers import OCTOBER, write_status

ACTOR = audit.Actor("staff")
START = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime.now(UTC)


def _grant(
    session,
    account_id,
    kinds=("status", "usage"),
    purposes=("contract_verification", "service_offers"),
    **kw,
):  # type: ignore[no-untyped-def]
    return consent.record_agreement(
        session, ACTOR, account_id, list(kinds), list(purposes), START, **kw
    )


# ------------------------------------------------------------------ rules


def test_states_by_hand() -> None:
    t = datetime(2026, 6, 1, tzinfo=UTC)
    day = timedelta(days=1)
    assert rules.state_of(t - day, None, None, None, t) == "active"
    assert rules.state_of(t - day, None, None, t, t) == "narrowed"
    assert rules.state_of(t + day, None, None, None, t) == "upcoming"
    assert rules.state_of(t - 2 * day, t - day, None, None, t) == "expired"
    assert rules.state_of(t - 2 * day, t, None, None, t) == "expired"  # the end is excluded
    assert rules.state_of(t - 2 * day, t - day, t - day, None, t) == "revoked"


def test_kinds_of_change() -> None:
    t = datetime(2026, 6, 1, tzinfo=UTC)
    base = rules.Terms(frozenset({"status", "usage"}), frozenset({"billing"}), t)
    assert rules.kind_of_change(base, base) is None
    fewer = rules.Terms(frozenset({"status"}), frozenset({"billing"}), t)
    assert rules.kind_of_change(base, fewer) == "narrow"
    assert rules.kind_of_change(base, rules.Terms(base.data_kinds, base.purposes, None)) == "widen"
    earlier = rules.Terms(base.data_kinds, base.purposes, t - timedelta(days=1))
    assert rules.kind_of_change(base, earlier) == "narrow"
    more = rules.Terms(frozenset({"status", "energy"}), frozenset({"billing", "service_offers"}), t)
    assert rules.more_than(base, more) == {"data_kinds": ["energy"], "purposes": ["service_offers"]}
    assert (
        rules.previous_month("2026-01") == "2025-12"
        and rules.previous_month("2026-11") == "2026-10"
    )


# ------------------------------------------------------------------ changes and their history


def test_narrow_then_widen_the_period_then_revoke_each_in_the_history(session) -> None:  # type: ignore[no-untyped-def]
    acc = b.account(session)
    customer = audit.Actor("eva", None)
    a = _grant(session, acc.id)
    assert consent.state(a) == "active"
    end = NOW + timedelta(days=60)
    a, kind = consent.change(
        session, customer, a.id, ["status"], ["contract_verification"], end, by_customer=True
    )
    assert kind == "narrow" and consent.state(a) == "narrowed"
    assert (a.data_kinds, a.purposes) == (["status"], ["contract_verification"])
    # Nothing changes: no history line.
    assert (
        consent.change(session, ACTOR, a.id, ["status"], ["contract_verification"], end)[1] is None
    )
    a, kind = consent.change(session, ACTOR, a.id, ["status"], ["contract_verification"], None)
    assert kind == "widen" and a.valid_to is None
    consent.revoke(session, ACTOR, a.id)
    assert consent.state(a) == "revoked"
    [record] = consent_record.records_of(session, [(acc.id, acc.name)])
    assert [(c.change, c.actor, c.by) for c in record.history] == [
        ("revoke", "staff", "staff"),
        ("widen", "staff", "staff"),
        ("narrow", "eva", "customer"),
        ("grant", "staff", "staff"),
    ]
    narrow = record.history[2]
    assert (
        narrow.before
        == "status, usage for contract verification, service offers, 2026-01-01 to open-ended"
    )
    assert narrow.after == f"status for contract verification, 2026-01-01 to {end.date()}"
    # The same changes are in the audit trail.
    actions = [e.action for e in audit.entries(session, "data_sharing_agreement", str(a.id))]
    assert actions == ["revoke", "widen", "narrow", "create"]


def test_bad_changes_name_their_field(session) -> None:  # type: ignore[no-untyped-def]
    acc = b.account(session)
    a = _grant(session, acc.id, kinds=("status",), purposes=("billing",))
    with pytest.raises(InvalidInput, match=r"^purposes: sharing more"):
        consent.change(session, ACTOR, a.id, ["status"], ["billing", "service_offers"], None)
    with pytest.raises(InvalidInput, match=r"^data_kinds: sharing more"):
        consent.change(session, ACTOR, a.id, ["status", "energy"], ["billing"], None)
    with pytest.raises(InvalidInput, match=r"^data_kinds: unknown gossip"):
        consent.change(session, ACTOR, a.id, ["gossip"], ["billing"], None)
    with pytest.raises(InvalidInput, match=r"^purposes: unknown"):
        consent.change(session, ACTOR, a.id, ["status"], ["resale"], None)
    with pytest.raises(InvalidInput, match=r"^purposes: choose"):
        consent.change(session, ACTOR, a.id, ["status"], [], None)
    with pytest.raises(InvalidInput, match=r"^valid_to"):
        consent.change(session, ACTOR, a.id, ["status"], ["billing"], NOW - timedelta(days=1))
    with pytest.raises(InvalidInput, match=r"^valid_to"):
        consent.grant_now(session, ACTOR, acc.id, ["status"], ["billing"], NOW - timedelta(days=1))
    consent.revoke(session, ACTOR, a.id)
    with pytest.raises(Conflict):
        consent.revoke(session, ACTOR, a.id)
    with pytest.raises(Conflict):
        consent.change(session, ACTOR, a.id, ["status"], ["billing"], None)


def test_revoking_an_expired_agreement_keeps_its_end(session) -> None:  # type: ignore[no-untyped-def]
    acc = b.account(session)
    end = datetime(2026, 3, 1, tzinfo=UTC)
    a = _grant(session, acc.id, valid_to=end)
    assert consent.state(a) == "expired"
    consent.revoke(session, ACTOR, a.id)
    assert a.valid_to == end and consent.state(a) == "revoked"


# ------------------------------------------------------------------ the record of use


def test_uses_are_counted_per_account_purpose_computation_and_month(session) -> None:  # type: ignore[no-untyped-def]
    one, two = b.account(session), b.account(session)
    nov = datetime(2026, 11, 20, tzinfo=UTC)
    dec = datetime(2026, 12, 2, tzinfo=UTC)
    consent_usage.record_use(session, "billing", "billing_meter", [one.id, two.id], nov)
    consent_usage.record_use(session, "billing", "billing_meter", [one.id], nov + timedelta(days=1))
    consent_usage.record_use(session, "service_offers", "lead_features", [one.id], nov)
    consent_usage.record_use(session, "billing", "billing_meter", [one.id], dec)
    consent_usage.record_use(session, "billing", "billing_meter", [], dec)  # nothing, no error
    rows = {
        (u.account_id, u.purpose, u.computation, u.month): u.runs
        for u in session.scalars(select(DataUse).where(DataUse.account_id.in_([one.id, two.id])))
    }
    assert rows == {
        (one.id, "billing", "billing_meter", "2026-11"): 2,
        (two.id, "billing", "billing_meter", "2026-11"): 1,
        (one.id, "service_offers", "lead_features", "2026-11"): 1,
        (one.id, "billing", "billing_meter", "2026-12"): 1,
    }
    uses = consent_usage.uses_of(session, [one.id], ["2026-11"])
    assert sorted((u.label, u.runs) for u in uses) == [
        ("Billing usage meter", 2),
        ("Lead generation (usage features)", 1),
    ]
    with pytest.raises(InvalidInput):
        consent_usage.record_use(session, "billing", "gossip", [one.id], nov)


def test_an_availability_computation_notes_only_consenting_accounts(session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from servitize.telemetry.store import TelemetryStore

    acc, other = b.account(session), b.account(session)
    a = b.asset(session, acc, serial=f"A{acc.id}")
    o = b.asset(session, other, serial=f"O{other.id}")
    store = TelemetryStore(tmp_path)
    write_status(store, [(a.serial, ts, st) for _s, ts, st in OCTOBER])
    write_status(store, [(o.serial, ts, st) for _s, ts, st in OCTOBER])
    _grant(session, acc.id)
    options = Options(horizon=timedelta(days=10))
    oct_ = month_period("2026-10")
    compute(session, store, oct_, options, serials=[a.serial, o.serial])
    compute(session, store, oct_, options, serials=[a.serial, o.serial])
    this = rules.month_of(datetime.now(UTC))
    uses = consent_usage.uses_of(session, [acc.id, other.id], [this])
    assert [(u.account_id, u.computation, u.purpose, u.runs) for u in uses] == [
        (acc.id, "availability_evaluation", "contract_verification", 2)
    ]


# ------------------------------------------------------------------ the end-to-end check


def test_narrowed_to_contract_verification_no_usage_lead_and_the_contract_still_evaluates(
    session,
    busy,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    acc, _oven, store = busy
    a = consent.record_agreement(
        session,
        ACTOR,
        acc.id,
        ["status", "usage", "energy"],
        ["contract_verification", "service_offers"],
        START,
    )
    contract = contracts.create_contract(
        session,
        ACTOR,
        external_id=f"AV-{acc.id}",
        account_id=acc.id,
        name="Availability",
        target_pct=90.0,
        fee_cents=1_000_00,
        valid_from=START,
        min_coverage_pct=50.0,
    )
    this = rules.month_of(datetime.now(UTC))
    assert consented_usage(session, AS_OF, store=store).num_rows == 1
    before = {u.computation: u.runs for u in consent_usage.uses_of(session, [acc.id], [this])}
    assert before == {"lead_features": 1}

    # The customer narrows to contract verification only.
    consent.change(
        session,
        audit.Actor("customer"),
        a.id,
        ["status", "usage", "energy"],
        ["contract_verification"],
        None,
        by_customer=True,
    )
    generate_leads(session, AS_OF, use_model=False)
    assert (
        session.query(Lead)
        .filter(Lead.account_id == acc.id)
        .filter(Lead.rule == "high_utilisation_no_contract")
        .count()
        == 0
    )
    assert consented_usage(session, AS_OF, store=store).num_rows == 0
    after = {u.computation: u.runs for u in consent_usage.uses_of(session, [acc.id], [this])}
    assert after.get("lead_features") == 1  # the leads run used none of their data

    # The next evaluation still measures November from the status data it may read.
    result = contracts.evaluate(session, store, contract, month_period("2026-11"))
    assert result.band != "not_measurable" and result.measured_pct is not None
    uses = {u.computation: u.runs for u in consent_usage.uses_of(session, [acc.id], [this])}
    assert uses["availability_evaluation"] == after.get("availability_evaluation", 0) + 1

    # Revoked: the next evaluation reads nothing and the month is not measurable, no money.
    consent.revoke(session, audit.Actor("customer"), a.id, by_customer=True)
    result = contracts.evaluate(session, store, contract, month_period("2026-11"))
    assert result.band == "not_measurable" and result.measured_pct is None
    assert float(result.amount) == 0.0


def test_the_demo_shows_every_state(session) -> None:  # type: ignore[no-untyped-def]
    from servitize.telemetry.consent_demo import demo_consent, in_words

    sharing = b.account(session)
    b.asset(session, sharing, serial=f"D{sharing.id}", origin="own")
    _grant(session, sharing.id, purposes=("contract_verification",))
    for _ in range(3):
        acc = b.account(session)
        b.asset(session, acc, serial=f"D{acc.id}", origin="own")
    session.flush()
    result = demo_consent(session, ACTOR, NOW.date())
    last = rules.previous_month(rules.month_of(NOW))
    [use] = consent_usage.uses_of(session, [sharing.id], [last])
    assert (use.computation, use.purpose, use.runs) == (
        "availability_evaluation",
        "contract_verification",
        4,
    )
    assert set(result) == {"narrowed", "revoked", "expired"}
    states = {
        state: {consent.state(a) for a in consent.agreements_of(session, account_id)}
        for state, account_id in result.items()
    }
    assert states == {"narrowed": {"narrowed"}, "revoked": {"revoked"}, "expired": {"expired"}}
    assert "see /consent" in in_words(result)
    # Run again: those accounts have agreements now; nothing is added twice to them.
    again = demo_consent(session, ACTOR, NOW.date())
    assert not set(again.values()) & set(result.values())


def test_the_pdf_record_holds_the_same_facts_as_the_csv(session) -> None:  # type: ignore[no-untyped-def]
    from servitize.telemetry.consent_pdf import record_pdf

    acc = b.account(session, name="Bakery East")
    a = _grant(session, acc.id)
    consent.change(
        session, ACTOR, a.id, ["status"], ["contract_verification", "service_offers"], None
    )
    last = rules.previous_month(rules.month_of(NOW))
    consent_usage.record_use(
        session,
        "service_offers",
        "lead_features",
        [acc.id],
        datetime(int(last[:4]), int(last[5:]), 3, tzinfo=UTC),
    )
    [record] = consent_record.records_of(session, [(acc.id, acc.name)])
    raw = record_pdf(record, "Acme Service", compress=False).decode("latin-1")
    pdf = raw.replace("\\(", "(").replace("\\)", ")")  # PDF strings escape parentheses
    csv_text = consent_record.to_csv(record)
    for fact in (
        f"Agreement {a.id} (narrowed)",
        "status for contract verification, service offers, 2026-01-01 to open-ended",
        f"agreement {a.id}: narrow by staff (staff)",
        f"{last}: Lead generation (usage features), for service offers, 1 run (last",
        "Acme Service",
    ):
        assert fact in pdf, fact
    assert f"agreement,{a.id},narrowed,2026-01-01,staff," in csv_text
    assert f'use,,Lead generation (usage features),{last},service_offers,"1 run,' in csv_text


def test_a_batch_notes_its_computations_in_one_statement(session, engine) -> None:  # type: ignore[no-untyped-def]
    from tests.query_budget import count_queries

    one, two = b.account(session), b.account(session)
    session.flush()
    dec = datetime(2026, 12, 2, tzinfo=UTC)
    with count_queries(engine) as counted, consent_usage.batched(session):
        consent_usage.record_use(session, "billing", "billing_meter", [one.id, two.id], dec)
        with consent_usage.batched(session):  # joins the outer block
            consent_usage.record_use(session, "billing", "billing_meter", [one.id], dec)
        assert not [s for s in counted.statements if "data_use" in s]  # nothing yet
    assert len([s for s in counted.statements if "data_use" in s]) == 1
    runs = {
        u.account_id: u.runs for u in consent_usage.uses_of(session, [one.id, two.id], ["2026-12"])
    }
    assert runs == {one.id: 2, two.id: 1}
    with pytest.raises(RuntimeError), consent_usage.batched(session):
        consent_usage.record_use(session, "billing", "billing_meter", [two.id], dec)
        raise RuntimeError("the computation failed")
    runs = {
        u.account_id: u.runs for u in consent_usage.uses_of(session, [one.id, two.id], ["2026-12"])
    }
    assert runs == {one.id: 2, two.id: 1}  # a failed block notes nothing
    consent_usage.record_use(session, "billing", "billing_meter", [two.id], dec)  # at once
    runs = {u.account_id: u.runs for u in consent_usage.uses_of(session, [two.id], ["2026-12"])}
    assert runs == {two.id: 2}
