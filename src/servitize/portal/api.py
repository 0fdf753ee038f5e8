"""REST routes of the portal under /api/v1: the customer's (``/portal/...``, everything the
portal pages do) and the staff's (portal users and invitations, disputes, service requests).

The customer's reads answer 404 to staff (the portal is the customer's view); writes ask their
action, so staff get 403 there. Outside users reach nothing else (trust.http)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from servitize.contracts import report as rp
from servitize.core.errors import NotFound
from servitize.core.inputs import Id
from servitize.portal import disputes as dsp
from servitize.portal import invitations as inv
from servitize.portal import schemas as s
from servitize.portal import service
from servitize.portal.models import DisputeStatus, DowntimeDispute, RequestStatus
from servitize.telemetry.api import store_of
from servitize.trust.context import Context
from servitize.trust.http import RequestContext
from servitize.trust.models import Role

router = APIRouter(tags=["customer portal"])
Month = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
Months = Annotated[int, Query(ge=1, le=rp.MAX_MONTHS)]


def customer(ctx: Context) -> Context:
    """The context of a customer's read; staff read the records on their own pages (404)."""
    if ctx.user.role != Role.customer.value:
        raise NotFound("the portal is for customers' users")
    return ctx


def dispute_read(d: DowntimeDispute) -> s.DisputeRead:
    """A dispute as the API answers it."""
    return s.DisputeRead(
        id=d.id,
        account_id=d.account_id,
        contract_id=d.contract_id,
        month=d.month,
        serial=d.serial,
        start=d.start,
        end=d.end,
        state=d.state,
        asked_state=d.asked_state,
        reason=d.reason,
        status=d.status.value,
        answer=d.answer,
        answered_at=d.answered_at,
        currency=d.currency,
        amount_before=service.money(d.amount_before_cents) or 0,
        amount_after=service.money(d.amount_after_cents),
    )


# ---------------------------------------------------------------------------- customer


@router.get("/portal/accounts", response_model=list[s.PortalAccount])
def portal_accounts(ctx: RequestContext) -> list[s.PortalAccount]:
    """The accounts the customer user sees."""
    return service.accounts(customer(ctx))


@router.get("/portal/machines", response_model=list[s.Machine])
def portal_machines(ctx: RequestContext, account_id: Id | None = None) -> list[s.Machine]:
    """Their machines with coverage and contract status."""
    return service.machines(customer(ctx), account_id)


@router.get("/portal/contracts", response_model=list[s.ContractMonth])
def portal_contracts(
    request: Request, ctx: RequestContext, period: Month = None
) -> list[s.ContractMonth]:
    """Their availability contracts with one month's result (last month unless asked)."""
    return service.contract_months(
        customer(ctx), store_of(request), period or rp.last_complete_month(ctx.today)
    )


@router.get("/portal/contracts/{contract_id}/report")
def portal_report(
    request: Request,
    ctx: RequestContext,
    contract_id: Id,
    period: Month = None,
    months: Months = rp.DEFAULT_MONTHS,
) -> dict[str, object]:
    """A contract's monthly operation report (the staff's figures, customer-facing words)."""
    r = service.report(customer(ctx), store_of(request), contract_id, period, months)
    return r.as_dict()


@router.get("/portal/disputes", response_model=list[s.DisputeRead])
def portal_disputes(ctx: RequestContext) -> list[s.DisputeRead]:
    """Their disputes and the answers."""
    return [dispute_read(d) for d in dsp.disputes(customer(ctx))]


@router.post("/portal/disputes", response_model=s.DisputeRead, status_code=201)
def portal_dispute(request: Request, body: s.DisputeIn, ctx: RequestContext) -> s.DisputeRead:
    """Dispute how a downtime period of a contract month was classified."""
    d = dsp.open_dispute(
        ctx,
        store_of(request),
        body.contract_id,
        body.month,
        body.serial,
        body.start,
        body.asked_state,
        body.reason,
    )
    return dispute_read(d)


@router.get("/portal/quotes", response_model=list[s.PortalQuote])
def portal_quotes(ctx: RequestContext) -> list[s.PortalQuote]:
    """The quotes sent to their accounts."""
    return service.quotes(customer(ctx))


@router.get("/portal/quotes/{quote_id}", response_model=s.PortalQuote)
def portal_quote(ctx: RequestContext, quote_id: Id) -> s.PortalQuote:
    """One quote, in customer-facing words."""
    return service.quote(customer(ctx), quote_id)


@router.post("/portal/quotes/{quote_id}/accept", response_model=s.Accepted)
def portal_accept(quote_id: Id, body: s.AcceptIn, ctx: RequestContext) -> s.Accepted:
    """Accept a quote: its orders and contracts are created."""
    done = service.accept_quote(ctx, quote_id, body.name)
    return s.Accepted(
        quote_id=done.quote.id,
        status=done.quote.status.value,
        contracts=[c.number for c in done.contracts],
        orders=len(done.orders),
    )


@router.post("/portal/quotes/{quote_id}/changes", response_model=s.PortalQuote, status_code=201)
def portal_changes(quote_id: Id, body: s.ChangesIn, ctx: RequestContext) -> s.PortalQuote:
    """Ask for changes to a quote (the owner reads the message on the quote)."""
    service.ask_changes(ctx, quote_id, body.message)
    return service.quote(ctx, quote_id)


@router.get("/portal/sheets", response_model=list[s.PortalSheet])
def portal_sheets(ctx: RequestContext) -> list[s.PortalSheet]:
    """Their sign-up sheets."""
    return service.sheets(customer(ctx))


@router.get("/portal/sheets/{sheet_id}", response_model=s.PortalSheet)
def portal_sheet(ctx: RequestContext, sheet_id: Id) -> s.PortalSheet:
    """One sign-up sheet."""
    return service.sheet(customer(ctx), sheet_id)


@router.post("/portal/sheets/{sheet_id}/sign", response_model=s.PortalSheet)
def portal_sign(sheet_id: Id, body: s.SignIn, ctx: RequestContext) -> s.PortalSheet:
    """Sign a sheet remotely: tick lines, type your name."""
    return service.sign_sheet(ctx, sheet_id, body.line_ids, body.signer_name)


@router.get("/portal/surveys", response_model=list[s.SurveyRead])
def portal_surveys(ctx: RequestContext) -> list[s.SurveyRead]:
    """Their satisfaction surveys; open ones with the link to answer."""
    return service.surveys(customer(ctx))


@router.get("/portal/requests", response_model=list[s.RequestRead])
def portal_requests(ctx: RequestContext) -> list[s.RequestRead]:
    """Their service requests."""
    c = customer(ctx)
    return service.request_reads(c, service.service_requests(c))


@router.post("/portal/requests", response_model=s.RequestRead, status_code=201)
def portal_request(body: s.RequestIn, ctx: RequestContext) -> s.RequestRead:
    """Ask for service, for one of your machines or in general."""
    return service.request_read(service.open_request(ctx, body))


# ------------------------------------------------------------------------------- staff


@router.get("/portal-users", response_model=list[s.PortalUser])
def portal_users(ctx: RequestContext, account_id: Id | None = None) -> list[s.PortalUser]:
    """Customer users and the accounts they see (of the accounts you may see)."""
    return [
        s.PortalUser(
            user_id=u.id,
            username=u.username,
            full_name=u.full_name,
            active=u.active,
            account_id=a.id,
            account=a.name,
        )
        for u, a in inv.users(ctx, account_id)
    ]


@router.post("/portal-users", response_model=s.InviteOut, status_code=201)
def invite(body: s.InviteIn, ctx: RequestContext) -> s.InviteOut:
    """Invite a customer's person to the portal of an account: the link to pass on (mailed when
    a mail server is configured); an address with portal access gets the account at once."""
    done = inv.invite(ctx, body.account_id, body.email, body.full_name)
    return s.InviteOut(
        invitation_id=done.invitation.id if done.invitation else None,
        link=done.link,
        mailed=done.mailed,
        expires_at=done.invitation.expires_at if done.invitation else None,
        existing_user=done.user.username if done.user else None,
    )


@router.delete("/portal-users/{user_id}/accounts/{account_id}", status_code=204)
def revoke(user_id: Id, account_id: Id, ctx: RequestContext) -> Response:
    """End a customer user's access to one account."""
    inv.revoke(ctx, account_id, user_id)
    return Response(status_code=204)


@router.get("/disputes", response_model=list[s.DisputeRead])
def disputes(
    ctx: RequestContext, status: DisputeStatus | None = None, contract_id: Id | None = None
) -> list[s.DisputeRead]:
    """Customers' downtime disputes on the accounts you may see (open first)."""
    return [dispute_read(d) for d in dsp.disputes(ctx, status, contract_id)]


@router.post("/disputes/{dispute_id}/answer", response_model=s.DisputeRead)
def answer(
    request: Request, dispute_id: Id, body: s.DisputeAnswer, ctx: RequestContext
) -> s.DisputeRead:
    """Answer a dispute: upheld reclassifies the period; the month's amount after is kept."""
    return dispute_read(dsp.answer(ctx, store_of(request), dispute_id, body.upheld, body.answer))


@router.get("/service-requests", response_model=list[s.RequestRead])
def service_requests(
    ctx: RequestContext, status: RequestStatus | None = None
) -> list[s.RequestRead]:
    """Customers' service requests on the accounts you may see."""
    return service.request_reads(ctx, service.service_requests(ctx, status))


@router.post("/service-requests/{request_id}/handle", response_model=s.RequestRead)
def handle(request_id: Id, body: s.RequestHandle, ctx: RequestContext) -> s.RequestRead:
    """Turn a service request into a lead or a work order, or close it."""
    row = service.handle_request(ctx, request_id, body.action, body.estimated_value)
    return service.request_reads(ctx, [row])[0]


@router.get("/quotes/{quote_id}/change-requests", response_model=list[s.ChangeRequestRead])
def quote_change_requests(quote_id: Id, ctx: RequestContext) -> list[s.ChangeRequestRead]:
    """What customers asked to change on every revision of a quote: who, when, what, and the
    answer (staff who may see the quote; 404 otherwise)."""
    reads, _may_answer = service.staff_change_requests(ctx, quote_id)
    return reads


@router.post("/quote-change-requests/{request_id}/answer", response_model=s.ChangeRequestRead)
def answer_change_request(
    request_id: Id, body: s.ChangeAnswer, ctx: RequestContext
) -> s.ChangeRequestRead:
    """Answer a customer's request for changes: ``revise`` opens a new draft revision of the
    quote, ``close`` keeps it; the words go to the customer (audited)."""
    row = service.answer_change_request(ctx, request_id, body.action, body.answer)
    return service.change_reads(ctx, [row], staff=True)[0]
