"""HTML pages of solution sales: the pipeline by phase, an opportunity with its blueprint, surveys.

Actions on an opportunity are HTMX posts that answer the re-rendered ``_work.html`` fragment;
a rule that says no shows its reason in the fragment instead of an error page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from servitize.core.errors import InvalidInput
from servitize.core.pages import render
from servitize.installed_base import repository as installed_base
from servitize.installed_base.access import may
from servitize.kit.export import EXPORT_MAX_ROWS, Table, respond
from servitize.kit.forms import FormPage, save_or_show_again
from servitize.kit.htmx import is_htmx, template_for, vary
from servitize.kit.pagination import PageParams, pages_of
from servitize.sales import editing, editing_views, outcome, picture, pipeline, service, team
from servitize.sales import repository as repo
from servitize.sales.process import LAYER_TITLES, PHASES, policy_of
from servitize.sales.schemas import (
    ActivityUpdate,
    DecisionIn,
    HandoverIn,
    OpportunityCreate,
    OutcomeIn,
    TeamMemberIn,
)
from servitize.trust.context import Context
from servitize.trust.http import DbSession, RequestContext, settings_of
from servitize.trust.lists import list_links

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]
PIPELINE_LIMIT = 300
GATE_DECIDERS = {
    "pursue": "the owner or a sales manager",
    "tender": "the owner or a sales manager",
    "approval": "a sales manager other than the owner",
    "acceptance": "the project side (a service manager)",
}


def _accounts(ctx: Context) -> list[tuple[int, str]]:
    return [(a.id, a.name) for a in installed_base.account_choices(ctx.session, ctx.user, 500)]


OPPORTUNITIES_PER_PAGE = 25
ListText = Annotated[str | None, Query(max_length=40)]
ListPage = Annotated[int, Query(ge=1, le=100_000)]


@router.get("/opportunities", response_class=HTMLResponse)
def pipeline_page(
    request: Request,
    ctx: RequestContext,
    account_id: int | None = None,
    view: Annotated[str, Query(pattern="^(board|list)$")] = "board",
    status: ListText = None,
    sort: ListText = None,
    page: ListPage = 1,
) -> HTMLResponse:
    """The pipeline by phase, the forecast, and the aggregated blueprint; ``view=list``: every
    opportunity as a sortable list, a page at a time."""
    if view == "list":
        return _list_page(request, ctx, account_id, status, sort, page)
    session, user, pol = ctx.session, ctx.user, policy_of(ctx.settings)
    opps, total = service.listing(
        session, user, account_id=account_id, limit=PIPELINE_LIMIT, pol=pol
    )
    context = {
        "phases": PHASES,
        "total": total,
        "account_id": account_id,
        "open_by_phase": {
            p: [o for o in opps if o.phase == p and o.status in ("open", "won")] for p in PHASES
        },
        "closed": [o for o in opps if o.status not in ("open", "won")],
        "forecast": pipeline.forecast(
            session, user, company_currency=ctx.settings.company_currency, pol=pol
        ),
        "accounts": _accounts(ctx),
        "retention": pipeline.retention(session, user, ctx.today, pol),
        "aggregate_svg": picture.aggregate_svg(session, user, "project", ctx.today),
        "currencies": list(
            dict.fromkeys((ctx.settings.company_currency, *editing.COMMON_CURRENCIES))
        ),
    }
    return render(request, "sales/pipeline.html", context)


def _list_page(
    request: Request,
    ctx: Context,
    account_id: int | None,
    status: str | None,
    sort: str | None,
    page: int,
) -> HTMLResponse:
    """Every opportunity the user may see as a list: sortable, filtered by status, paged."""
    order = repo.OPPORTUNITY_SORTS.parse(sort)  # an unknown column: 422 naming the allowed ones
    params = PageParams(page, OPPORTUNITIES_PER_PAGE)
    wanted = status if status in STATUSES else None
    opps, total = service.listing(
        ctx.session,
        ctx.user,
        status=wanted,
        account_id=account_id,
        limit=params.size,
        offset=params.offset,
        pol=policy_of(ctx.settings),
        sort=order,
    )
    filters = {"view": "list", "status": wanted or "", "account_id": account_id}
    shown = list_links(ctx, "/opportunities", filters, order, repo.OPPORTUNITY_SORTS)
    return render(
        request,
        "sales/list.html",
        {
            "opps": opps,
            "list": shown,
            "status": wanted or "",
            "statuses": STATUSES,
            "account_id": account_id,
            "pager": pages_of("/opportunities", shown.params, params, len(opps), total),
        },
    )


STATUSES = ("open", "won", "lost", "no_bid", "rejected")


@router.get("/opportunities.{fmt}")
def opportunities_export(
    ctx: RequestContext,
    fmt: Annotated[str, Path(pattern="^(csv|xlsx)$")],
    account_id: int | None = None,
    status: ListText = None,
    sort: ListText = None,
    view: ListText = None,
) -> Response:
    """The opportunities list as CSV or XLSX: every page, so filtered and sorted; the value in
    whole units as the list shows it."""
    wanted = status if status in STATUSES else None
    opps, total = service.listing(
        ctx.session,
        ctx.user,
        status=wanted,
        account_id=account_id,
        limit=EXPORT_MAX_ROWS,
        offset=0,
        pol=policy_of(ctx.settings),
        sort=repo.OPPORTUNITY_SORTS.parse(sort),
    )
    rows = [
        [
            o.id,
            o.title,
            o.account_name,
            o.phase,
            o.phase_name,
            o.status,
            None if o.value is None else o.value.quantize(Decimal(1)),
            o.currency,
            o.probability,
            o.expected_close,
            o.owner,
        ]
        for o in opps
    ]
    headings = ["Opportunity", "Title", "Account", "Phase", "Phase name", "Status", "Value"]
    table = Table(
        [*headings, "Currency", "Probability %", "Expected close", "Owner"],
        rows,
        cut=total > len(rows),
    )
    return respond(table, fmt, "opportunities")


def _money(value: str) -> Decimal | None:
    try:
        return Decimal(value) if value.strip() else None
    except InvalidOperation:
        raise InvalidInput(f"not an amount: {value!r}") from None


@router.post("/opportunities")
def create_page(
    request: Request,
    ctx: RequestContext,
    account_id: Annotated[int, Form()],
    title: Text,
    offering_type: Text = "project",
    source: Text = "account",
    value: Text = "",
    currency: Text = "",
    lead_id: Text = "",
    lead_story: Text = "",
    enquiry_ref: Text = "",
) -> Response:
    """Open an opportunity from the form and go to its page."""
    try:
        data = OpportunityCreate(
            account_id=account_id,
            title=title,
            offering_type=offering_type or None,
            source=source,
            value=_money(value),
            currency=currency.strip() or None,  # none: the account's currency
            lead_id=int(lead_id) if lead_id.strip() else None,
            lead_story=lead_story or None,
            enquiry_ref=enquiry_ref or None,
        )
    except (ValidationError, ValueError) as exc:
        raise InvalidInput(str(exc).splitlines()[0]) from None
    opp = service.create(ctx.session, ctx.user, data, now=ctx.now)
    return RedirectResponse(f"/opportunities/{opp.id}", status_code=303)


def _work_context(
    ctx: Context, opportunity_id: int, message: str | None = None, ok: str | None = None
) -> dict[str, Any]:
    session, user, pol = ctx.session, ctx.user, policy_of(ctx.settings)
    view = picture.detail(session, user, opportunity_id, ctx.today, pol)
    owns = view.opportunity.owner == user.username
    may_gate = {
        g: may(user, f"gate.{g}", own=owns) and not (g == "approval" and owns) for g in view.gates
    }
    return {
        "v": view,
        "o": view.opportunity,
        "message": message,
        "ok": ok,
        # Only the actions this user may take show a form (docs/access.md); the rest says who.
        "may_sell": may(user, "opportunity.edit"),
        "may_reopen": may(user, "gate.reopen"),
        "may_gate": may_gate,
        "gate_deciders": GATE_DECIDERS,
        "svg": picture.opportunity_svg(session, user, opportunity_id, ctx.today, pol),
        "phases": PHASES,
        "layers": {k.value: t for k, t in LAYER_TITLES.items()},
        "checklist": pol.handover_checklist,
        "today": ctx.today,
        "reasons": sorted(set(pol.win_reasons) | set(pol.loss_reasons)),
        "equivalents": editing.equivalents(
            session,
            user,
            repo.get(session, user, opportunity_id),
            ctx.settings.company_currency,
            ctx.today,
        ),
    }


@router.get("/opportunities/{opportunity_id}", response_class=HTMLResponse)
def opportunity_page(request: Request, ctx: RequestContext, opportunity_id: int) -> HTMLResponse:
    """One opportunity: its blueprint, gates, activities and team."""
    context = _work_context(ctx, opportunity_id)
    name = template_for(request, "sales/opportunity.html", "sales/_work.html")
    return vary(render(request, name, context))


def _work_render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """kit.forms hands the reason as ``error``; the work area shows it as ``message``."""
    return vary(render(request, name, {**context, "message": context.get("error")}, status_code))


def _act(
    request: Request,
    ctx: Context,
    opportunity_id: int,
    action: Callable[[], str],
    values: Mapping[str, object] | None = None,
) -> Response:
    """Run an action in a savepoint: its success, or the work area again with the reason.

    HTMX gets the ``_work.html`` fragment (200, the reason in it); a plain form post (no
    JavaScript) goes back to the page when it worked, and gets the whole page with the reason
    and the values sent at the error's 4xx status when it did not.
    """

    def done(ok: str) -> Response:
        if not is_htmx(request):
            return RedirectResponse(f"/opportunities/{opportunity_id}", status_code=303)
        return _work_render(request, "sales/_work.html", _work_context(ctx, opportunity_id, ok=ok))

    form = FormPage(
        "sales/opportunity.html",
        lambda: _work_context(ctx, opportunity_id),
        fragment="sales/_work.html",
    )
    return save_or_show_again(request, ctx.session, action, done, form, values, render=_work_render)


@router.post("/opportunities/{opportunity_id}/decide", response_class=HTMLResponse)
def decide_page(
    request: Request,
    ctx: RequestContext,
    opportunity_id: int,
    gate: Text,
    decision: Text,
    reason: Text = "",
    confirm: Text = "",
) -> Response:
    """Record a gate decision from the form (a no go needs its confirm box ticked)."""

    def action() -> str:
        data = DecisionIn(gate=gate, decision=decision, reason=reason, confirm=confirm == "true")
        row = service.decide(
            ctx.session, ctx.user, opportunity_id, data, ctx.now, policy_of(ctx.settings)
        )
        return f"{row.gate}: {row.decision.replace('_', ' ')} recorded"

    values = {"gate": gate, "decision": decision, "reason": reason, "confirm": confirm}
    return _act(request, ctx, opportunity_id, action, values)


@router.post("/opportunities/{opportunity_id}/reopen", response_class=HTMLResponse)
def reopen_page(
    request: Request, ctx: RequestContext, opportunity_id: int, reason: Text = ""
) -> Response:
    """A sales manager reopens an opportunity closed by a no go."""

    def action() -> str:
        service.reopen(ctx.session, ctx.user, opportunity_id, reason, ctx.now)
        return "reopened: the no go is kept as history"

    return _act(request, ctx, opportunity_id, action, {"reason": reason})


@router.post("/opportunities/{opportunity_id}/advance", response_class=HTMLResponse)
def advance_page(
    request: Request, ctx: RequestContext, opportunity_id: int, version: Text = ""
) -> Response:
    """Move to the next phase, or show why not (a second click of the same page: why not)."""

    def action() -> str:
        result = service.advance(
            ctx.session,
            ctx.user,
            opportunity_id,
            ctx.now,
            int(version) if version.isdigit() else None,
            policy_of(ctx.settings),
        )
        return f"now in phase {result.phase}: {result.phase_name}"

    return _act(request, ctx, opportunity_id, action)


@router.post(
    "/opportunities/{opportunity_id}/activities/{activity_id}", response_class=HTMLResponse
)
def activity_page(
    request: Request,
    ctx: RequestContext,
    opportunity_id: int,
    activity_id: int,
    status: Text,
    version: Text = "",
) -> Response:
    """Mark an activity done, skipped or open again (a stale page, e.g. a double click: why not)."""

    def action() -> str:
        row = service.update_activity(
            ctx.session,
            ctx.user,
            opportunity_id,
            activity_id,
            ActivityUpdate(status=status, version=int(version) if version.isdigit() else None),
            ctx.today,
        )
        return f"{row.title}: {status}"

    return _act(request, ctx, opportunity_id, action, {"status": status})


@router.post("/opportunities/{opportunity_id}/team", response_class=HTMLResponse)
def team_page(
    request: Request,
    ctx: RequestContext,
    opportunity_id: int,
    role: Text,
    name: Text,
) -> Response:
    """Nominate a team member by name."""

    def action() -> str:
        data = TeamMemberIn(role=role, name=name)
        member = team.nominate(ctx.session, ctx.user, opportunity_id, data, ctx.today)
        return f"{member.name} nominated as {member.role.replace('_', ' ')}"

    return _act(request, ctx, opportunity_id, action, {"role": role, "name": name})


@router.post("/opportunities/{opportunity_id}/outcome", response_class=HTMLResponse)
def outcome_page(
    request: Request,
    ctx: RequestContext,
    opportunity_id: int,
    result: Text,
    contract_value: Text = "",
    lessons: Text = "",
    competitor: Text = "",
    reasons: Annotated[list[str] | None, Form()] = None,
    version: Text = "",
) -> Response:
    """Mark won, lost or no bid with reasons and lessons learned."""

    def action() -> str:
        data = OutcomeIn(
            result=result,
            contract_value=_money(contract_value),
            reasons=reasons or [],
            lessons=lessons or None,
            competitor=competitor or None,
            version=int(version) if version.isdigit() else None,
        )
        row = outcome.record_outcome(
            ctx.session, ctx.user, opportunity_id, data, ctx.now, policy_of(ctx.settings)
        )
        return f"marked {row.result.replace('_', ' ')}"

    values = {
        "result": result,
        "contract_value": contract_value,
        "lessons": lessons,
        "competitor": competitor,
        "reasons": reasons or [],
    }
    return _act(request, ctx, opportunity_id, action, values)


@router.post("/opportunities/{opportunity_id}/handover", response_class=HTMLResponse)
def handover_page(
    request: Request,
    ctx: RequestContext,
    opportunity_id: int,
    items: Annotated[list[str] | None, Form()] = None,
    project_manager: Text = "",
    notes: Text = "",
    version: Text = "",
) -> Response:
    """Tick items of the sales order review; the handover is done when all are ticked."""

    def action() -> str:
        data = HandoverIn(
            checklist=dict.fromkeys(items or [], True),
            project_manager=project_manager or None,
            notes=notes or None,
            version=int(version) if version.isdigit() else None,
        )
        row = team.handover(
            ctx.session, ctx.user, opportunity_id, data, ctx.now, policy_of(ctx.settings)
        )
        left = sum(1 for done in row.checklist.values() if not done)
        return "handover complete" if not left else f"handover: {left} item(s) left"

    values = {"items": items or [], "project_manager": project_manager, "notes": notes}
    return _act(request, ctx, opportunity_id, action, values)


@router.post("/opportunities/{opportunity_id}/survey", response_class=HTMLResponse)
def survey_send_page(request: Request, ctx: RequestContext, opportunity_id: int) -> Response:
    """Create a satisfaction survey; the message carries the link to send the customer."""

    def action() -> str:
        _row, token = outcome.send_survey(
            ctx.session, ctx.user, opportunity_id, ctx.settings, ctx.now
        )
        return f"survey link for the customer: {request.base_url}survey/{token}"

    return _act(request, ctx, opportunity_id, action)


@router.get("/survey/{token}", response_class=HTMLResponse)
def survey_page(request: Request, session: DbSession, token: str) -> HTMLResponse:
    """The customer's satisfaction and loyalty survey; no login, the signed link is the key."""
    survey = outcome.survey_by_token(session, settings_of(request), token)
    return render(
        request, "sales/survey.html", {"survey": survey, "token": token, "done": survey.answered_at}
    )


@router.post("/survey/{token}", response_class=HTMLResponse)
def survey_answer(
    request: Request,
    session: DbSession,
    token: str,
    satisfaction: Annotated[int, Form()],
    recommend: Annotated[int, Form()],
    comment: Text = "",
) -> HTMLResponse:
    """Store the customer's answer and thank them."""
    survey = outcome.answer_survey(
        session, settings_of(request), token, satisfaction, recommend, comment
    )
    return render(request, "sales/survey.html", {"survey": survey, "token": token, "done": True})


# Editing an opportunity, opening one from a lead (sales.editing_views).
router.include_router(editing_views.router)
