"""HTML pages of intelligence: segments, an account's leads and stories, the twin grid."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from servitize.core.pages import render
from servitize.installed_base.access import get_account, may
from servitize.intelligence import evidence_words, proficiency, queries, twin
from servitize.intelligence.segments import GO_TO_MARKET
from servitize.kit.pagination import PageParams, pages_of
from servitize.trust.http import RequestContext

router = APIRouter(include_in_schema=False)


SEGMENT_ROWS_PER_PAGE = 50


@dataclass(frozen=True)
class _Bar:
    """One bar of a chart (core.charts.bars): a label and a count."""

    label: str
    count: int


@router.get("/segments", response_class=HTMLResponse)
def segments_page(
    request: Request,
    ctx: RequestContext,
    label: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """Segments with their accounts: a chart per segment and per go-to-market mode, and the
    accounts by priority a page at a time."""
    session, user = ctx.session, ctx.user
    summary = queries.segment_summary(session, user)
    per_segment: dict[str, int] = {}
    per_mode: dict[str, int] = {}
    for s in summary:
        per_segment[s.label] = per_segment.get(s.label, 0) + s.accounts
        per_mode[s.go_to_market] = per_mode.get(s.go_to_market, 0) + s.accounts
    params = PageParams(page, SEGMENT_ROWS_PER_PAGE)
    rows = queries.list_segments(
        session, user, label=label, limit=params.size, offset=params.offset
    )
    # the summary counts every visible account with a segment: the pager's total, no query more
    total = sum(s.accounts for s in summary if not label or s.label == label)
    return render(
        request,
        "intelligence/segments.html",
        {
            "summary": summary,
            "label": label,
            "modes": GO_TO_MARKET,
            "rows": rows,
            "pager": pages_of("/segments", {"label": label}, params, len(rows), total),
            "segment_bars": [_Bar(k, n) for k, n in sorted(per_segment.items())],
            "mode_bars": [_Bar(k, n) for k, n in sorted(per_mode.items())],
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
            "may_open": may(user, "opportunity.create"),  # sales.editing_views opens it
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
