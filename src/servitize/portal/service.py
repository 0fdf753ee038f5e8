"""What a customer's user sees and does in the portal, always within their own accounts:
machines with coverage and contract status, contract months, quotes (accept, ask for changes),
sign-up sheets (sign remotely, a branded PDF), surveys and service requests. Staff turn service
requests into leads or work orders (or close them) and answer requests for changes to a quote
(a new revision, or closed with words the customer reads)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from servitize.contracts import report as rp
from servitize.contracts.models import AvailabilityContract
from servitize.core.errors import Conflict, InvalidInput, NotFound
from servitize.field import pdf as field_pdf
from servitize.field import sheets as field_sheets
from servitize.field.schemas import LeadReport
from servitize.field.service import report_lead
from servitize.installed_base.access import get_account, may, require
from servitize.kit.brand import Brand
from servitize.kit.money import from_cents
from servitize.offers import acceptance
from servitize.offers import quotes as offer_quotes
from servitize.offers.models import Quote, QuoteStatus
from servitize.portal import repository as repo
from servitize.portal import rules
from servitize.portal import schemas as s
from servitize.portal.models import (
    ChangeStatus,
    QuoteChangeRequest,
    RequestStatus,
    ServiceRequest,
)
from servitize.sales.outcome import survey_link
from servitize.service_work.models import WorkOrder
from servitize.service_work.service import open_from_request
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
    asked = repo.change_requests(ctx.session, quote.id)
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
        change_requests=[c.message for c in asked],
        answers=change_reads(ctx, asked),
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


def change_reads(
    ctx: Context, rows: list[QuoteChangeRequest], staff: bool = False
) -> list[s.ChangeRequestRead]:
    """Requests for changes as shown: who asked, when, what, and the answer (the customer does
    not see which staff member answered, only the words)."""
    ids = {x for r in rows for x in (r.created_by_id, r.answered_by_id) if x is not None}
    names = repo.user_names(ctx.session, ids)
    return [
        s.ChangeRequestRead(
            id=r.id,
            quote_id=r.quote_id,
            message=r.message,
            asked_at=r.created_at,
            asked_by=names.get(r.created_by_id) if r.created_by_id else None,
            status=r.status.value,
            answer=r.answer,
            answered_at=r.answered_at,
            answered_by=names.get(r.answered_by_id) if staff and r.answered_by_id else None,
            revision_id=r.revision_id,
        )
        for r in rows
    ]


def staff_change_requests(ctx: Context, quote_id: int) -> tuple[list[s.ChangeRequestRead], bool]:
    """The requests for changes to every revision of a quote the staff user may see (404
    otherwise), oldest first, and whether the user may answer them (who may revise the quote)."""
    quote = offer_quotes.visible_quote(ctx, quote_id)
    rows = repo.change_requests_of_number(ctx.session, quote.number)
    may_answer = may(ctx.user, "quote.edit", own=quote.owner_id == ctx.user.id)
    return change_reads(ctx, rows, staff=True), may_answer


def answer_change_request(
    ctx: Context, request_id: int, action: str, answer: str
) -> QuoteChangeRequest:
    """Staff answer a customer's request for changes: ``revise`` opens a new revision of the quote
    (a draft, to change, approve and send), ``close`` keeps the quote as it is; either way the
    words go to the customer, and the answer is audited."""
    row = repo.change_request(ctx.session, request_id)
    if row is None:
        raise NotFound(f"request for changes {request_id} not found")
    quote = offer_quotes.visible_quote(ctx, row.quote_id)  # NotFound outside the user's scope
    require(ctx.user, "quote.edit", own=quote.owner_id == ctx.user.id)
    words = answer.strip()
    if len(words) < 3:
        raise InvalidInput("answer: a few words for the customer (at least 3 characters)")
    if action not in {"revise", "close"}:
        raise InvalidInput("action: revise or close")
    if row.status != ChangeStatus.open:
        raise Conflict(f"request for changes {request_id} is answered already")
    if action == "revise":
        revision = offer_quotes.revise(ctx, quote.id)
        row.status, row.revision_id = ChangeStatus.revised, revision.id
    else:
        row.status = ChangeStatus.closed
    row.answer, row.answered_by_id, row.answered_at = words[:2000], ctx.user.id, ctx.now
    ctx.session.flush()
    audit.record(
        ctx.session,
        ctx.actor,
        "answer_changes",
        "quote",
        quote.id,
        before={"change_request": row.id, "status": "open"},
        after={
            "change_request": row.id,
            "status": row.status.value,
            "answer": row.answer,
            "revision_id": row.revision_id,
        },
    )
    return row


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


def sheet_document(ctx: Context, sheet_id: int) -> bytes:
    """The sign-up sheet as the customer files it: a PDF under the company's letterhead (logo,
    name, colours), never a line's internal reason."""
    row = repo.sheet(ctx.session, ctx.user, sheet_id)
    if row is None:
        raise NotFound(f"sign-up sheet {sheet_id} not found")
    read = field_sheets.sheet_read(ctx.session, row, ctx.settings.company_currency, ctx.today)
    brand = Brand.of(ctx.settings)
    parties = field_pdf.SheetParties(
        company=brand.name,
        company_address=field_pdf.address_lines(ctx.settings.company_address),
        terms=ctx.settings.field.sheet_terms,
        brand=brand,
    )
    return field_pdf.sheet_pdf(read, row.signature, parties)


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
    field_sheets.sign_remotely(
        ctx.session, ctx.user, row, line_ids, signer_name, ctx.today, ctx.now, ctx.settings.field
    )
    return _sheet_read(ctx, sheet_id)


# ------------------------------------------------------------------------------ surveys


def surveys(ctx: Context) -> list[s.SurveyRead]:
    """The satisfaction surveys of the user's accounts; open ones with their answer link."""
    return [
        s.SurveyRead(
            id=x.id,
            account_id=x.account_id,
            sent_at=x.sent_at,
            answered=x.answered_at is not None,
            link=None if x.answered_at is not None else survey_link(ctx.settings, x.id),
        )
        for x in repo.surveys(ctx.session, ctx.user)
    ]


# --------------------------------------------------------------------- service requests


def request_read(r: ServiceRequest, work: WorkOrder | None = None) -> s.RequestRead:
    """A service request as shown (with its work order's status when it became one)."""
    return s.RequestRead(
        id=r.id,
        account_id=r.account_id,
        asset_id=r.asset_id,
        text=r.text,
        status=r.status.value,
        created_at=r.created_at,
        lead_id=r.lead_id,
        work_order_id=work.id if work else None,
        work_order_status=str(work.status) if work else None,
        work_order_due_on=work.due_on if work else None,
    )


def request_reads(ctx: Context, rows: list[ServiceRequest]) -> list[s.RequestRead]:
    """Service requests as shown, each with its work order where it became one."""
    work = work_orders_of(ctx, rows)
    return [request_read(r, work.get(r.id)) for r in rows]


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


WORK_ORDER_REF = "portal-request:{}"  # the request_ref of a request's work order


def handle_request(
    ctx: Context, request_id: int, action: str, estimated_value: Decimal = Decimal(0)
) -> ServiceRequest:
    """Staff turn a service request into a lead (routed as any reported lead), into a work order
    (servitize.service_work's ``open_from_request``), or close it; audited either way."""
    row = repo.service_request(ctx.session, ctx.user, request_id)
    if row is None:
        raise NotFound(f"service request {request_id} not found")
    account = get_account(ctx.session, ctx.user, row.account_id)
    require(ctx.user, "request.handle", own=account.owner_id == ctx.user.id)
    if action not in {"lead", "work_order", "close"}:
        raise InvalidInput("action: lead, work_order or close")
    if row.status != RequestStatus.open:
        raise Conflict(f"service request {request_id} is {row.status.value} already")
    before = {"status": row.status.value}
    work_order_id = None
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
    elif action == "work_order":
        work_order_id = to_work_order(ctx, row).id
        row.status = RequestStatus.work_order
    else:
        row.status = RequestStatus.closed
    row.handled_by_id = ctx.user.id
    ctx.session.flush()
    after: dict[str, object] = {"status": row.status.value, "lead_id": row.lead_id}
    if work_order_id is not None:
        after["work_order_id"] = work_order_id
    audit.record(
        ctx.session, ctx.actor, "handle", "service_request", row.id, before=before, after=after
    )
    return row


def to_work_order(ctx: Context, row: ServiceRequest) -> WorkOrder:
    """The work order of a customer's service request (its first line the title, the whole text
    the description, its machine); staff who may open work do it, the same one twice."""
    require(ctx.user, "work.create")
    title = (row.text.strip().splitlines() or ["Customer's service request"])[0]
    return open_from_request(
        ctx,
        row.account_id,
        title=title[:120],
        description=f"Customer's service request {row.id}: {row.text}",
        asset_id=row.asset_id,
        request_ref=WORK_ORDER_REF.format(row.id),
    )


def work_orders_of(ctx: Context, rows: list[ServiceRequest]) -> dict[int, WorkOrder]:
    """The work orders opened for these requests, by request id (what the customer sees)."""
    refs = {WORK_ORDER_REF.format(r.id): r.id for r in rows if r.status == RequestStatus.work_order}
    found = repo.work_orders_of_refs(ctx.session, list(refs))
    return {refs[w.request_ref]: w for w in found if w.request_ref in refs}


def money(cents: int | None) -> Decimal | None:
    """Minor units as an amount."""
    return from_cents(cents)


def replace_cause(stop: rp.Stop) -> rp.Stop:
    """A downtime stop without its internal cause (customer documents)."""
    from dataclasses import replace

    return replace(stop, cause=None)
