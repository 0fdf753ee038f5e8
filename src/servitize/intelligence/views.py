"""HTML pages of intelligence: segments, an account's leads and stories, the twin grid."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from servitize.core.pages import render
from servitize.installed_base.access import get_account, may
from servitize.intelligence import evidence_words, proficiency, queries, twin
from servitize.intelligence.segments import GO_TO_MARKET
from servitize.trust.http import RequestContext

router = APIRouter(include_in_schema=False)


@router.get("/segments", response_class=HTMLResponse)
def segments_page(request: Request, ctx: RequestContext, label: str | None = None) -> HTMLResponse:
    """Segments with their accounts."""
    session, user = ctx.session, ctx.user
    return render(
        request,
        "intelligence/segments.html",
        {
            "summary": queries.segment_summary(session, user),
            "label": label,
            "modes": GO_TO_MARKET,
            "rows": queries.list_segments(session, user, label=label, limit=200),
        },
    )


@router.get("/accounts/{account_id}/leads", response_class=HTMLResponse)
def account_leads_page(account_id: int, request: Request, ctx: RequestContext) -> HTMLResponse:
    """An account's open leads and the stories to tell."""
    session, user = ctx.session, ctx.user
    account = get_account(session, user, account_id)
    return render(
        request,
        "intelligence/account_leads.html",
        {
            "account": account,
            "leads": queries.list_leads(session, user, account_id, limit=100),
            "segment": next(
                iter(queries.list_segments(session, user, account_id=account_id)), None
            ),
            "positions": queries.twin_positions(session, user, account_id),
            "evidence_words": evidence_words.sentences,
        },
    )


@router.get("/twin", response_class=HTMLResponse)
def twin_page(request: Request, ctx: RequestContext) -> HTMLResponse:
    """The digital-twin positioning grid of all visible accounts."""
    session, user = ctx.session, ctx.user
    positions = queries.twin_positions(session, user)
    return render(
        request,
        "intelligence/twin.html",
        {
            "svg": twin.svg(positions),
            "positions": positions[:200],
            "warnings": sum(1 for p in positions if p.warning),
            "challenges": twin.CHALLENGES,
            "sellers": proficiency.sellers(session),
            "may_record": may(user, "proficiency.record"),
            "levels": proficiency.LEVELS,
        },
    )


@router.post("/twin/proficiency")
def proficiency_form(
    ctx: RequestContext,
    user_id: Annotated[int, Form()],
    level: Annotated[int, Form()],
) -> RedirectResponse:
    """Record a salesperson's proficiency from the twin page, then show the page again."""
    proficiency.record_level(ctx.session, ctx.user, user_id, level)
    return RedirectResponse("/twin#proficiency", status_code=303)
