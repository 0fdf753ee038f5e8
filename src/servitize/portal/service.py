"""What a customer's user sees and does in the portal, always within their own accounts:
machines with coverage and contract status, contract months, quotes (accept, ask for changes),
sign-up sheets (sign remotely), surveys and service requests. Staff turn service requests into
leads (or close them)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from itsdangerous import URLSafeTimedSerializer

from servitize.contracts import report as rp
from servitize.contracts.models import AvailabilityContract
from servitize.core.errors import Conflict, InvalidInput, NotFound
from servitize.field import sheets as field_sheets
from servitize.field.schemas import LeadReport, Signing
from servitize.field.service import report_lead
from servitize.installed_base.access import get_account, require
from servitize.kit.money import from_cents
from servitize.offers import acceptance
from servitize.offers import quotes as offer_quotes
from servitize.offers.models import Quote, QuoteStatus
from servitize.portal import repository as repo
from servitize.portal import rules
from servitize.portal import schemas as s
from servitize.portal.models import QuoteChangeRequest, RequestStatus, ServiceRequest
from servitize.sales.outcome import SURVEY_SALT
from servitize.telemetry.store import TelemetryStore
from servitize.trust import audit
from servitize.trust.context import Context


def accounts(ctx: Context) -> list[s.PortalAccount]:
    """The accounts the user sees."""
    return [s.PortalAccount(id=a.id, name=a.name) for a in repo.accounts(ctx.session, ctx.user)]


def _covering(
    contracts: list[AvailabilityContract], account_id: int, serial: str | None
) -> str | None:
    for c in contracts:
        if c.account_id == account_id and (c.serials is None or (serial and serial in c.serials)):
            return c.external_id
    return None


def _in_force(c: AvailabilityContract, today: date) -> bool:
    return c.valid_from.date() <= today and (c.valid_to is None or c.valid_to.date() > today)


def machines(ctx: Context, account_id: int | None = None) -> list[s.Machine]:
    """The user's machines with coverage and contract status."""
    if account_id is not None:
        get_account(ctx.session, ctx.user, account_id)
    names = {a.id: a.name for a in repo.accounts(ctx.session, ctx.user)}
    contracts = [c for c in repo.contracts(ctx.session, ctx.user) if _in_force(c, ctx.today)]
    out = []
    for m in repo.machines(ctx.session, ctx.user, account_id):
        coverage = str(m.coverage)
        status = rules.machine_status(coverage, m.contract_end, m.warranty_end, ctx.today)
        out.append(
            s.Machine(
                id=m.id,
                account_id=m.account_id,
                account=names.get(m.account_id, ""),
                serial=m.serial,
                model=m.model,
                coverage=coverage,
                contract_end=m.contract_end,
                warranty_end=m.warranty_end,
                availability_contract=_covering(contracts, m.account_id, m.serial),
                status=status,
            )
        )
    return out


def contract_months(ctx: Context, store: TelemetryStore, month: str) -> list[s.ContractMonth]:
    """Every availability contract of the user's accounts with one month's result."""
    rp.parse_month(month)
    out = []
    for c in repo.contracts(ctx.session, ctx.user):
        [(m, evaluation)] = rp.evaluate_months(
            ctx.session,
            store,
            c,
            [month],
            expected_interval_s=ctx.settings.telemetry_expected_interval_s,
        )
        r = rp.month_result(c, m, evaluation)
        out.append(
            s.ContractMonth(
                id=c.id,
                contract=c.external_id,
                name=c.name,
                account_id=c.account_id,
                month=month,
                availability_pct=r.availability_pct,
                target_pct=r.target_pct,
                result=r.result,
                amount=r.amount,
                currency=r.currency,
            )
        )
    return out


def customer_copy(report: rp.Report, company: str) -> rp.Report:
    """A report with customer-facing words only: no internal causes of downtime records, the
    company name of the branding; every figure unchanged."""
    from dataclasses import replace

    return replace(
        report,
        supplier=company,
        downtime=[replace(d, cause=None) for d in report.downtime],
        excluded_causes=[],
    )


def report(
    ctx: Context, store: TelemetryStore, contract_id: int, month: str | None, months: int
) -> rp.Report:
    """A contract's monthly operation report as the customer reads it (the staff's figures)."""
    contract = rp.visible_contract(ctx.session, ctx.user, contract_id)
    built = rp.build_report(
        ctx.session,
        store,
        contract,
        month or rp.last_complete_month(ctx.today),
        months,
        supplier=company_of(ctx),
        expected_interval_s=ctx.settings.telemetry_expected_interval_s,
    )
    return customer_copy(built, company_of(ctx))


def company_of(ctx: Context) -> str:
    """The company name customers read."""
    return ctx.settings.branding.name or ctx.settings.company_name


# ------------------------------------------------------------------------------- quotes


def _quote(ctx: Context, quote_id: int) -> Quote:
    quote = repo.quote(ctx.session, ctx.user, quote_id)
    if quote is None:
        raise NotFound(f"quote {quote_id} not found")
    return quote


def quote_read(ctx: Context, quote: Quote) -> s.PortalQuote:
    """A quote in the customer's words."""
    read = offer_quotes.read(ctx, quote)
    return s.PortalQuote(
        id=quote.id,
        number=quote.number,
        revision=quote.revision,
        account_id=quote.account_id,
        title=quote.title,
        status=quote.status.value,
        valid_until=quote.valid_until,
        currency=quote.currency,
        term_months=quote.term_months,
        one_time=read.totals.one_time,
        monthly=read.totals.monthly_recurring,
        contract_value=read.totals.contract_value,
        clause=read.clause_words,
        lines=[
            s.QuoteLineRead(
                name=ln.name, price=ln.price, quantity=ln.quantity, discount_pct=ln.discount_pct
            )
            for ln in read.lines
        ],
        accepted_at=quote.accepted_at,
        accepted_by=quote.accepted_by,
        change_requests=[c.message for c in repo.change_requests(ctx.session, quote.id)],
        may_accept=quote.status == QuoteStatus.sent and quote.valid_until >= ctx.today,
    )


def quotes(ctx: Context) -> list[s.PortalQuote]:
    """The quotes sent to the user's accounts."""
    return [quote_read(ctx, q) for q in repo.quotes(ctx.session, ctx.user)]


def quote(ctx: Context, quote_id: int) -> s.PortalQuote:
    """One quote sent to the user's accounts."""
    return quote_read(ctx, _quote(ctx, quote_id))


def quote_model(ctx: Context, quote_id: int) -> Quote:
    """The quote record (for its PDF), if sent to the user's accounts."""
    return _quote(ctx, quote_id)


def accept_quote(ctx: Context, quote_id: int, name: str) -> acceptance.Accepted:
    """The customer accepts a sent quote through the offers' accept service (orders, contracts)."""
    require(ctx.user, "quote.accept")  # the portal's own: an owner accepts on the quote page
    quote = _quote(ctx, quote_id)
    if quote.status != QuoteStatus.sent:
        raise Conflict(f"quote {quote.number} is {quote.status.value}, not open for acceptance")
    return acceptance.accept(ctx, quote.id, name.strip())


def ask_changes(ctx: Context, quote_id: int, message: str) -> QuoteChangeRequest:
    """The customer asks for changes: a message to the quote's owner, shown on the quote."""
    require(ctx.user, "portal.quote_changes")
    quote = _quote(ctx, quote_id)
    if quote.status != QuoteStatus.sent:
        raise Conflict(f"quote {quote.number} is {quote.status.value}; it cannot change now")
    row = QuoteChangeRequest(
        quote_id=quote.id,
        account_id=quote.account_id,
        message=message.strip(),
        created_by_id=ctx.user.id,
    )
    repo.add(ctx.session, row)
    audit.record(
        ctx.session,
        ctx.actor,
        "ask_changes",
        "quote",
        quote.id,
        after={"message": row.message},
    )
    return row


def change_requests_of(ctx: Context, quote_id: int) -> list[QuoteChangeRequest]:
    """What customers asked to change on a quote (staff's quote page shows them)."""
    return repo.change_requests(ctx.session, quote_id)


# ------------------------------------------------------------------------------- sheets


def _sheet_read(ctx: Context, sheet_id: int) -> s.PortalSheet:
    sheet = repo.sheet(ctx.session, ctx.user, sheet_id)
    if sheet is None:
        raise NotFound(f"sign-up sheet {sheet_id} not found")
    read = field_sheets.sheet_read(ctx.session, sheet, ctx.settings.company_currency, ctx.today)
    return s.PortalSheet(
        id=read.id,
        account_id=read.account_id,
        status=read.status,
        signer_name=read.signer_name,
        signed_at=read.signed_at,
        lines=[
            s.SheetLine(
                id=ln.id,
                name=ln.name,
                quantity=ln.quantity,
                amount=ln.amount,
                currency=ln.currency,
                ticked=ln.ticked,
            )
            for ln in read.lines
        ],
    )


def sheets(ctx: Context) -> list[s.PortalSheet]:
    """The sign-up sheets of the user's accounts."""
    return [_sheet_read(ctx, x.id) for x in repo.sheets(ctx.session, ctx.user)]


def sheet(ctx: Context, sheet_id: int) -> s.PortalSheet:
    """One sign-up sheet of the user's accounts."""
    return _sheet_read(ctx, sheet_id)


def sign_sheet(ctx: Context, sheet_id: int, line_ids: list[int], signer_name: str) -> s.PortalSheet:
    """The customer signs remotely (typed name and tick) through the field's sign service."""
    require(ctx.user, "sheet.sign")  # the portal's own: a technician signs on the sheet page
    row = repo.sheet(ctx.session, ctx.user, sheet_id)
    if row is None:
        raise NotFound(f"sign-up sheet {sheet_id} not found")
    # signed_on "portal": neither drawn on a screen nor on paper; the typed name is the signature
    body = Signing.model_construct(
        line_ids=line_ids,
        signer_name=signer_name.strip(),
        signed_on="portal",  # type: ignore[arg-type]
        signature=None,
    )
    field_sheets.sign(ctx.session, ctx.user, row, body, ctx.today, ctx.now, ctx.settings.field)
    return _sheet_read(ctx, sheet_id)


# ------------------------------------------------------------------------------ surveys


def surveys(ctx: Context) -> list[s.SurveyRead]:
    """The satisfaction surveys of the user's accounts; open ones with their answer link."""
    signer = URLSafeTimedSerializer(ctx.settings.secret_key, salt=SURVEY_SALT)
    return [
        s.SurveyRead(
            id=x.id,
            account_id=x.account_id,
            sent_at=x.sent_at,
            answered=x.answered_at is not None,
            link=None if x.answered_at is not None else f"/survey/{signer.dumps(x.id)}",
        )
        for x in repo.surveys(ctx.session, ctx.user)
    ]


# --------------------------------------------------------------------- service requests


def request_read(r: ServiceRequest) -> s.RequestRead:
    """A service request as shown."""
    return s.RequestRead(
        id=r.id,
        account_id=r.account_id,
        asset_id=r.asset_id,
        text=r.text,
        status=r.status.value,
        created_at=r.created_at,
        lead_id=r.lead_id,
    )


def open_request(ctx: Context, body: s.RequestIn) -> ServiceRequest:
    """The customer asks for service (for one of their machines, or in general)."""
    require(ctx.user, "portal.request")
    account = get_account(ctx.session, ctx.user, body.account_id)
    if body.asset_id is not None and body.asset_id not in {
        m.id for m in repo.machines(ctx.session, ctx.user, account.id)
    }:
        raise InvalidInput(f"asset_id: {body.asset_id} is not a machine of this account")
    row = ServiceRequest(
        account_id=account.id,
        asset_id=body.asset_id,
        text=body.text.strip(),
        status=RequestStatus.open,
        created_by_id=ctx.user.id,
    )
    repo.add(ctx.session, row)
    audit.record(
        ctx.session,
        ctx.actor,
        "create",
        "service_request",
        row.id,
        after={"account_id": row.account_id, "asset_id": row.asset_id, "text": row.text},
    )
    return row


def service_requests(ctx: Context, status: RequestStatus | None = None) -> list[ServiceRequest]:
    """Service requests of the user's accounts."""
    return repo.service_requests(ctx.session, ctx.user, status)


def handle_request(
    ctx: Context, request_id: int, action: str, estimated_value: Decimal = Decimal(0)
) -> ServiceRequest:
    """Staff turn a service request into a lead (routed as any reported lead) or close it.

    A work order instead of a lead: ``to_work_order`` (servitize.service_work) is the hook."""
    row = repo.service_request(ctx.session, ctx.user, request_id)
    if row is None:
        raise NotFound(f"service request {request_id} not found")
    account = get_account(ctx.session, ctx.user, row.account_id)
    require(ctx.user, "request.handle", own=account.owner_id == ctx.user.id)
    if row.status != RequestStatus.open:
        raise Conflict(f"service request {request_id} is {row.status.value} already")
    before = {"status": row.status.value}
    if action == "lead":
        route = report_lead(
            ctx.session,
            ctx.user,
            LeadReport(
                account_id=row.account_id,
                asset_id=row.asset_id,
                seen="other",
                observation=f"Customer's service request {row.id}: {row.text}"[:500],
                estimated_value=estimated_value,
            ),
            ctx.today,
            ctx.settings.field,
            ctx.settings,
        )
        row.status, row.lead_id = RequestStatus.lead, route.lead_id
    elif action == "close":
        row.status = RequestStatus.closed
    else:
        raise InvalidInput("action: lead or close")
    row.handled_by_id = ctx.user.id
    ctx.session.flush()
    audit.record(
        ctx.session,
        ctx.actor,
        "handle",
        "service_request",
        row.id,
        before=before,
        after={"status": row.status.value, "lead_id": row.lead_id},
    )
    return row


def money(cents: int | None) -> Decimal | None:
    """Minor units as an amount."""
    return from_cents(cents)


def to_work_order(ctx: Context, request_id: int) -> ServiceRequest:
    """Hook: turn a service request into a work order of servitize.service_work (not wired yet;
    its author connects it here, next to ``handle_request``'s lead)."""
    raise Conflict("turning a service request into a work order is not available yet")


def replace_cause(stop: rp.Stop) -> rp.Stop:
    """A downtime stop without its internal cause (customer documents)."""
    from dataclasses import replace

    return replace(stop, cause=None)
