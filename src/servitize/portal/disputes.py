"""Downtime disputes: a customer says how a downtime period of a contract month should have
been classified; the service manager upholds (the period is reclassified through the audited
downtime records of servitize.telemetry) or rejects it with a reason. The month's amount is
kept before and after, and every later report or billing read evaluates the new classification.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from servitize.contracts import report as rp
from servitize.contracts.models import AvailabilityContract
from servitize.core.errors import Conflict, InvalidInput, NotFound
from servitize.installed_base import repository as installed_base
from servitize.installed_base.access import require
from servitize.kit.money import to_cents
from servitize.portal import repository as repo
from servitize.portal import rules
from servitize.portal.models import DisputeStatus, DowntimeDispute
from servitize.telemetry.downtime import add_downtime, edit_downtime, utc
from servitize.telemetry.store import TelemetryStore
from servitize.trust import audit
from servitize.trust.context import Context

STATES, STATE_WORDS = rules.STATES, rules.STATE_WORDS


@dataclass(frozen=True)
class MonthFigures:
    """A contract month's amount and its downtime periods as the report shows them."""

    result: rp.MonthResult
    stops: list[rp.Stop]
    record_ids: dict[tuple[str, datetime], int]  # (serial, start) of a record -> its id


def month_figures(
    ctx: Context, store: TelemetryStore, contract: AvailabilityContract, month: str
) -> MonthFigures:
    """The month as every report reads it (contracts.evaluate), with the ids of its records."""
    rp.parse_month(month)
    interval = ctx.settings.telemetry_expected_interval_s
    [(m, evaluation)] = rp.evaluate_months(
        ctx.session, store, contract, [month], expected_interval_s=interval
    )
    result = rp.month_result(contract, m, evaluation)
    stops = rp.tables(ctx.session, store, contract, [month], expected_interval_s=interval)[1]
    ids = {
        (str(e["serial"]), utc(e["start"])): int(e["id"])  # type: ignore[arg-type, call-overload]
        for e in (evaluation.evidence if evaluation else [])
        if e.get("source") == "record"
    }
    return MonthFigures(result, stops, ids)


def _cents(amount: Decimal) -> int:
    return to_cents(amount)


def open_dispute(
    ctx: Context,
    store: TelemetryStore,
    contract_id: int,
    month: str,
    serial: str,
    start: datetime,
    asked_state: str,
    reason: str,
) -> DowntimeDispute:
    """The customer disputes one downtime period of a contract month."""
    require(ctx.user, "portal.dispute")
    contract = rp.visible_contract(ctx.session, ctx.user, contract_id)
    if asked_state not in STATES:
        raise InvalidInput(f"asked_state: one of {', '.join(STATES)}")
    figures = month_figures(ctx, store, contract, month)
    start = utc(start)
    stop = next((s for s in figures.stops if s.serial == serial and s.start == start), None)
    if stop is None:
        raise NotFound(f"no downtime period of {serial} starting {start:%Y-%m-%d %H:%M} in {month}")
    rules.check_dispute(stop.state, asked_state, reason)
    if repo.open_dispute_of(ctx.session, contract.id, serial, start) is not None:
        raise Conflict("this period is disputed already; the service manager will answer")
    machines = installed_base.machines_with_serial(
        ctx.session, account_ids=[contract.account_id], serials=[serial]
    )
    if not machines:
        raise NotFound(f"machine {serial} not found")
    dispute = DowntimeDispute(
        account_id=contract.account_id,
        contract_id=contract.id,
        month=month,
        asset_id=machines[-1].asset_id,
        serial=serial,
        start=stop.start,
        end=stop.end,
        state=stop.state,
        asked_state=asked_state,
        source=stop.source,
        downtime_period_id=figures.record_ids.get((serial, start)),
        reason=reason.strip(),
        status=DisputeStatus.open,
        opened_by_id=ctx.user.id,
        currency=contract.currency,
        amount_before_cents=_cents(figures.result.amount),
    )
    repo.add(ctx.session, dispute)
    audit.record(
        ctx.session, ctx.actor, "open", "downtime_dispute", dispute.id, after=_dict(dispute)
    )
    return dispute


def answer(
    ctx: Context, store: TelemetryStore, dispute_id: int, upheld: bool, text: str
) -> DowntimeDispute:
    """The service manager answers: upheld reclassifies the period (audited), rejected keeps it;
    the month is evaluated again either way and its amount kept on the dispute."""
    require(ctx.user, "dispute.answer")
    dispute = repo.dispute(ctx.session, ctx.user, dispute_id, for_update=True)
    if dispute is None:
        raise NotFound(f"dispute {dispute_id} not found")
    if dispute.status != DisputeStatus.open:
        raise Conflict(f"dispute {dispute_id} was answered already ({dispute.status})")
    if not text or len(text.strip()) < 3:
        raise InvalidInput("answer: tell the customer why (it is shown to them)")
    contract = rp.visible_contract(ctx.session, ctx.user, dispute.contract_id)
    before = _dict(dispute)
    if upheld:
        planned = dispute.asked_state == "planned_maintenance"
        excluded = dispute.asked_state == "excluded"
        if dispute.downtime_period_id is not None:
            edit_downtime(
                ctx.session,
                ctx.actor,
                dispute.downtime_period_id,
                planned=planned,
                excluded=excluded,
            )
        else:  # a stop read from status events: a record over it gives its new class
            add_downtime(
                ctx.session,
                ctx.actor,
                dispute.asset_id,
                dispute.start,
                dispute.end,
                planned=planned,
                excluded=excluded,
                cause=f"customer dispute {dispute.id}",
            )
    ctx.session.flush()
    after_figures = month_figures(ctx, store, contract, dispute.month)
    dispute.status = DisputeStatus.upheld if upheld else DisputeStatus.rejected
    dispute.answer = text.strip()
    dispute.answered_by_id, dispute.answered_at = ctx.user.id, ctx.now
    dispute.amount_after_cents = _cents(after_figures.result.amount)
    ctx.session.flush()
    old, new = audit.diff(before, _dict(dispute))
    audit.record(ctx.session, ctx.actor, "answer", "downtime_dispute", dispute.id, old, new)
    return dispute


def disputes(
    ctx: Context, status: DisputeStatus | None = None, contract_id: int | None = None
) -> list[DowntimeDispute]:
    """The disputes on the user's accounts (open first when no status is asked)."""
    found = repo.disputes(ctx.session, ctx.user, status, contract_id)
    return sorted(found, key=lambda d: (d.status != DisputeStatus.open, -d.id))


def dispute(ctx: Context, dispute_id: int) -> DowntimeDispute:
    """One dispute on the user's accounts; NotFound otherwise."""
    found = repo.dispute(ctx.session, ctx.user, dispute_id)
    if found is None:
        raise NotFound(f"dispute {dispute_id} not found")
    return found


def _dict(d: DowntimeDispute) -> dict[str, object]:
    return {
        "contract_id": d.contract_id,
        "month": d.month,
        "serial": d.serial,
        "start": d.start,
        "end": d.end,
        "state": d.state,
        "asked_state": d.asked_state,
        "reason": d.reason,
        "status": d.status,
        "answer": d.answer,
        "amount_before_cents": d.amount_before_cents,
        "amount_after_cents": d.amount_after_cents,
    }
