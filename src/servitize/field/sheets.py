"""Sign-up sheets: proposed from the catalogue by service behaviour and open leads, signed, ordered."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import ValidationError
from sqlalchemy.orm import Session

from servitize.core.db import utcnow
from servitize.core.errors import Conflict, InvalidInput, NotFound
from servitize.core.settings import FieldSettings
from servitize.field import recognition, rules
from servitize.field import repository as repo
from servitize.field.models import (
    LeadRoute,
    PointKind,
    SheetStatus,
    SignUpLine,
    SignUpSheet,
    Stage,
)
from servitize.field.repository import sheets as sheet_rows
from servitize.field.schemas import SheetLineRead, SheetRead, Signing
from servitize.installed_base import repository as installed_base
from servitize.installed_base.access import require
from servitize.installed_base.models import Offering, Order, Visit
from servitize.installed_base.repository import load_rates
from servitize.installed_base.schemas import Unconverted
from servitize.intelligence.models import LeadStatus
from servitize.kit.money import Converted, Rates, from_cents
from servitize.trust.audit import actor_of, record
from servitize.trust.editing import lock_for_edit
from servitize.trust.models import User

OLD_YEARS = 15
DEFAULTS = FieldSettings.model_construct()  # the documented defaults, for callers without any
DEFAULT_COMPANY = "EUR"  # Settings.company_currency's default


def behaviour(session: Session, account_id: int, today: date) -> rules.Behaviour:
    """The account's service behaviour over the last 12 months."""
    kinds = installed_base.service_kinds_since(session, account_id, today - timedelta(days=365))
    uncovered, old = installed_base.uncovered_and_old_assets(
        session, account_id, today - timedelta(days=365 * OLD_YEARS)
    )
    return rules.Behaviour(
        kinds.get("repair", 0),
        kinds.get("maintenance", 0),
        kinds.get("inspection", 0),
        uncovered,
        old,
    )


def _eligible(session: Session) -> list[Offering]:
    return installed_base.sign_up_offerings(session)


def _can_work(user: User, visit_technician_id: int, action: str = "sheet.prepare") -> None:
    require(user, action, own=user.id == visit_technician_id)


def proposed_sheet_of(session: Session, visit_id: int) -> SignUpSheet | None:
    """The visit's sheet that is still proposed (neither signed nor cancelled), if any."""
    return sheet_rows.proposed_sheet_of(session, visit_id)


def propose_sheet(
    session: Session,
    user: User,
    visit: Visit,
    today: date | None = None,
    s: FieldSettings | None = None,
) -> SignUpSheet:
    """A sheet for a visit with lines chosen by open leads and the customer's service behaviour."""
    today, s = today or date.today(), s or DEFAULTS
    _can_work(user, visit.technician_id)
    # One proposed sheet per visit: a double submit answers 409 naming it (the page opens it).
    lock_for_edit(session, sheet_rows.visit_row(visit.id), f"visit {visit.id}")
    open_sheet = proposed_sheet_of(session, visit.id)
    if open_sheet is not None:
        raise Conflict(
            f"visit {visit.id} has a proposed sign-up sheet already (sheet {open_sheet.id}); "
            "nothing was added"
        )
    eligible = _eligible(session)
    if not eligible:
        raise InvalidInput("no catalogue item is flagged sign-up eligible")
    leads = sheet_rows.open_leads_of_account(session, visit.account_id)
    picks = rules.propose(
        [rules.Eligible(o.id, o.family or "", o.name) for o in eligible],
        behaviour(session, visit.account_id, today),
        [rules.OpenLead(*row) for row in leads],
        s.max_sheet_lines,
    )
    sheet = SignUpSheet(
        visit_id=visit.id,
        account_id=visit.account_id,
        technician_id=visit.technician_id,
        status=SheetStatus.proposed.value,
    )
    session.add(sheet)
    session.flush()
    by_id = {o.id: o for o in eligible}
    for offering_id, lead_id, reason in picks:
        o = by_id[offering_id]
        session.add(
            SignUpLine(
                sheet_id=sheet.id,
                offering_id=o.id,
                lead_id=lead_id,
                reason=reason,
                unit_price_cents=o.list_price_cents,
                currency=o.currency,
            )
        )
    session.flush()
    record(
        session,
        actor_of(user),
        "create",
        "sign_up_sheet",
        sheet.id,
        after={"visit_id": visit.id, "offerings": [p[0] for p in picks]},
    )
    return sheet


def get_sheet(session: Session, user: User, sheet_id: int) -> SignUpSheet:
    """A sheet of a visible account (404 otherwise)."""
    sheet = repo.visible_sheet(session, user, sheet_id)
    if sheet is None:
        raise NotFound(f"sign-up sheet {sheet_id} not found")
    return sheet


def lines_of(session: Session, sheet: SignUpSheet) -> list[tuple[SignUpLine, Offering]]:
    """The sheet's lines with their catalogue items."""
    return sheet_rows.lines_of(session, sheet.id)


def set_lines(session: Session, user: User, sheet: SignUpSheet, offering_ids: list[int]) -> None:
    """The technician adjusts what the sheet offers (only sign-up-eligible items)."""
    _can_work(user, sheet.technician_id)
    if sheet.status != SheetStatus.proposed.value:
        raise Conflict(f"the sheet is {sheet.status}")
    eligible = {o.id: o for o in _eligible(session)}
    unknown = [i for i in offering_ids if i not in eligible]
    if unknown:
        raise InvalidInput(f"not sign-up eligible: {unknown}")
    current = {line.offering_id: line for line, _o in lines_of(session, sheet)}
    for oid, line in current.items():
        if oid not in offering_ids:
            session.delete(line)
    for oid in dict.fromkeys(offering_ids):
        if oid not in current:
            o = eligible[oid]
            session.add(
                SignUpLine(
                    sheet_id=sheet.id,
                    offering_id=oid,
                    reason="added on site",
                    unit_price_cents=o.list_price_cents,
                    currency=o.currency,
                )
            )
    session.flush()
    record(
        session,
        actor_of(user),
        "update",
        "sign_up_sheet",
        sheet.id,
        before={"offerings": sorted(current)},
        after={"offerings": sorted(offering_ids)},
    )


def sign_remotely(
    session: Session,
    user: User,
    sheet: SignUpSheet,
    line_ids: list[int],
    signer_name: str,
    today: date | None = None,
    now: datetime | None = None,
    s: FieldSettings | None = None,
) -> list[Order]:
    """The customer signs away from the technician (the customer portal): the typed name is the
    signature, recorded as signed on ``portal``; the lines and the name are checked as on site."""
    try:
        checked = Signing(line_ids=line_ids, signer_name=signer_name.strip(), signed_on="paper")
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(f"{first['loc'][0]}: {first['msg']}") from None
    # "portal" is no choice of the technician's form; only this use case records it
    return sign(
        session, user, sheet, checked.model_copy(update={"signed_on": "portal"}), today, now, s
    )


def sign(
    session: Session,
    user: User,
    sheet: SignUpSheet,
    body: Signing,
    today: date | None = None,
    now: datetime | None = None,
    s: FieldSettings | None = None,
) -> list[Order]:
    """The customer signed: ticked lines become orders (channel technician), answered leads close
    (an owner's lead at or above the field threshold waits for the owner's confirmation)."""
    today, now, s = today or date.today(), now or utcnow(), s or DEFAULTS
    _can_work(user, sheet.technician_id, "sheet.sign")
    if sheet.status != SheetStatus.proposed.value:
        raise Conflict(f"the sheet is {sheet.status}")
    if body.signed_on == "screen" and not body.signature:
        raise InvalidInput("the customer's drawn signature is missing")
    lines = {line.id: (line, o) for line, o in lines_of(session, sheet)}
    unknown = [i for i in body.line_ids if i not in lines]
    if unknown:
        raise InvalidInput(f"not lines of this sheet: {unknown}")
    actor = actor_of(user)
    orders = []
    for line_id in dict.fromkeys(body.line_ids):
        line, offering = lines[line_id]
        line.ticked = True
        order = Order(
            external_id=f"SUS-{sheet.id}-{line.id}",
            account_id=sheet.account_id,
            offering_id=offering.id,
            day=today,
            quantity=line.quantity,
            amount_cents=_line_cents(line),
            currency=line.currency,
            channel="technician",
            sold_by_id=sheet.technician_id,
        )
        session.add(order)
        session.flush()
        line.order_id = order.id
        orders.append(order)
        record(
            session,
            actor,
            "create",
            "order",
            order.id,
            after={
                "account_id": order.account_id,
                "offering_id": order.offering_id,
                "amount_cents": order.amount_cents,
                "currency": order.currency,
                "channel": order.channel,
                "sign_up_sheet_id": sheet.id,
            },
        )
        if line.lead_id:
            _close_lead(session, user, line.lead_id, sheet.id, today, now, s)
    before = {"status": sheet.status}
    sheet.status, sheet.signer_name, sheet.signed_on = (
        SheetStatus.signed.value,
        body.signer_name.strip(),
        body.signed_on,
    )
    sheet.signature, sheet.signed_at = body.signature, now
    record(
        session,
        actor,
        "sign",
        "sign_up_sheet",
        sheet.id,
        before=before,
        after={
            "status": sheet.status,
            "signer_name": sheet.signer_name,
            "signed_on": sheet.signed_on,
            "orders": [o.id for o in orders],
        },
    )
    recognition.award(
        session,
        sheet.technician_id,
        PointKind.signed_sheet.value,
        f"sheet:{sheet.id}",
        rules.POINTS[PointKind.signed_sheet.value],
        today,
    )
    session.flush()
    return orders


def _close_lead(
    session: Session,
    user: User,
    lead_id: int,
    sheet_id: int,
    today: date,
    now: datetime,
    s: FieldSettings,
) -> None:
    lead = sheet_rows.lead(session, lead_id)
    if lead is None or lead.status != LeadStatus.open:
        return
    route = sheet_rows.route_of_lead(session, lead_id)
    before = {"status": LeadStatus.open, "stage": route.stage if route else None}
    if (
        route is not None
        and route.stage in rules.OPEN_STAGES
        and not rules.sheet_closes_lead(
            route.route, lead.estimated_value_cents, s.threshold_cents(lead.currency)
        )
    ):
        _await_owner(session, user, lead_id, route, sheet_id, now, before)
        return
    lead.status = LeadStatus.converted
    if route is not None and route.stage in rules.OPEN_STAGES:
        route.stage, route.closed_at = Stage.won.value, now
        route.first_action_at = route.first_action_at or now
        route.proposal_at = route.proposal_at or now
        route.close_reason = f"signed on sign-up sheet {sheet_id}"
        route.confirmed = True  # the customer said yes on site
        recognition.for_lead(session, route, today)
    record(
        session,
        actor_of(user),
        "convert",
        "lead",
        lead_id,
        before=before,
        after={"status": lead.status, "stage": Stage.won.value, "sign_up_sheet_id": sheet_id},
    )


def _await_owner(
    session: Session,
    user: User,
    lead_id: int,
    route: LeadRoute,
    sheet_id: int,
    now: datetime,
    before: dict[str, str | None],
) -> None:
    """Sold on site: the owner's large lead waits, proposed, for the owner to confirm it won."""
    route.stage = Stage.proposed.value
    route.first_action_at = route.first_action_at or now
    route.proposal_at = route.proposal_at or now
    route.close_reason = f"{rules.SOLD_ON_SITE} (sign-up sheet {sheet_id})"
    record(
        session,
        actor_of(user),
        "propose",
        "lead",
        lead_id,
        before=before,
        after={
            "status": LeadStatus.open,
            "stage": route.stage,
            "sign_up_sheet_id": sheet_id,
            "awaiting": "owner's confirmation",
        },
    )


def cancel(session: Session, user: User, sheet: SignUpSheet, reason: str) -> None:
    """The customer signed nothing this time; the sheet stays with its reason."""
    _can_work(user, sheet.technician_id)
    if sheet.status != SheetStatus.proposed.value:
        raise Conflict(f"the sheet is {sheet.status}")
    sheet.status = SheetStatus.cancelled.value
    record(
        session,
        actor_of(user),
        "cancel",
        "sign_up_sheet",
        sheet.id,
        before={"status": "proposed"},
        after={"status": sheet.status, "reason": reason},
    )
    session.flush()


def sheet_read(
    session: Session, sheet: SignUpSheet, company: str | None = None, today: date | None = None
) -> SheetRead:
    """A sheet with its lines and the total of the ticked ones."""
    name = installed_base.account_names(session, {sheet.account_id}).get(sheet.account_id, "")
    return _read(session, sheet, name, lines_of(session, sheet), company, today)


def sheet_reads(
    session: Session,
    sheets: list[SignUpSheet],
    company: str | None = None,
    today: date | None = None,
) -> list[SheetRead]:
    """Sheets as ``sheet_read`` shows them, their accounts and lines read in one statement
    each (the account 360 lists ten)."""
    names = installed_base.account_names(session, {x.account_id for x in sheets})
    lines = sheet_rows.lines_of_sheets(session, [x.id for x in sheets])
    return [
        _read(session, x, names.get(x.account_id, ""), lines.get(x.id, []), company, today)
        for x in sheets
    ]


def _read(
    session: Session,
    sheet: SignUpSheet,
    name: str,
    lines: list[tuple[SignUpLine, Offering]],
    company: str | None,
    today: date | None,
) -> SheetRead:
    company = company or DEFAULT_COMPANY
    ticked = [(_line_cents(x), x.currency) for x, _o in lines if x.ticked]
    shared = {c for _, c in ticked} or {x.currency for x, _o in lines[:1]} or {company}
    if len(shared) == 1:  # one currency: no conversion, the sum the customer sees line by line
        done = Converted(sum(c for c, _ in ticked), shared.pop())
    else:  # several: kit.money's convention, at the rates in force on the signing day
        day = sheet.signed_at.date() if sheet.signed_at else today or date.today()
        rates = Rates(load_rates(session, {c for _, c in ticked} - {company}), company, as_of=day)
        done = rates.sum((c, cur, day) for c, cur in ticked)
    return SheetRead(
        id=sheet.id,
        visit_id=sheet.visit_id,
        account_id=sheet.account_id,
        account=name,
        technician_id=sheet.technician_id,
        status=sheet.status,
        signer_name=sheet.signer_name,
        signed_on=sheet.signed_on,
        signed_at=sheet.signed_at,
        currency=done.currency,
        total_ticked=from_cents(done.cents) or 0,
        unconverted=[
            Unconverted(amount=m.amount, currency=m.currency) for m in done.unconverted_money()
        ],
        lines=[
            SheetLineRead(
                id=x.id,
                offering_id=o.id,
                name=o.name,
                reason=x.reason,
                lead_id=x.lead_id,
                quantity=x.quantity,
                unit_price=from_cents(x.unit_price_cents) or 0,
                amount=from_cents(_line_cents(x)) or 0,
                currency=x.currency,
                ticked=x.ticked,
                order_id=x.order_id,
            )
            for x, o in lines
        ],
    )


def _line_cents(line: SignUpLine) -> int:
    """What a line orders, in minor units: the same rounding as the order ``sign`` writes."""
    return round(line.unit_price_cents * line.quantity)


def eligible_offerings(session: Session) -> list[Offering]:
    """The sign-up catalogue."""
    return _eligible(session)


def sheets_of_account(session: Session, account_id: int, limit: int = 20) -> list[SignUpSheet]:
    """An account's newest sheets (for the account 360)."""
    return sheet_rows.sheets_of_account(session, account_id, limit)


def readable_sheets_of_account(
    session: Session, user: User, account_id: int, limit: int = 10
) -> list[SignUpSheet]:
    """An account's newest sheets that the user reads (technicians: theirs; the account 360)."""
    return repo.sheets_of_account(session, user, account_id, limit)
