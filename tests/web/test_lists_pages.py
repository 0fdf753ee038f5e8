"""The segments page (a chart per segment and go-to-market mode, paging) and the digital-twin
bubbles that show their numbers."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy.orm import Session

from servitize.intelligence import twin
from servitize.intelligence.models import SegmentAssignment
from servitize.trust.service import issue_token
from tests import builders as b

HTML = {"accept": "text/html"}


def _segments(session: Session, n_ready: int, n_late: int) -> None:
    """``n_ready`` accounts in 'ready' (bundle), ``n_late`` in 'late' (separate); priority i."""
    for i in range(n_ready + n_late):
        ready = i < n_ready
        account = b.account(session, name=f"Seg {i:03d}")
        session.add(
            SegmentAssignment(
                account_id=account.id,
                as_of=date(2026, 11, 1),
                label="ready" if ready else "late",
                readiness=0.5,
                digital_infrastructure=0.5,
                own_share=0.5,
                age_class="mid",
                priority=float(i),
                go_to_market="bundle" if ready else "separate",
                reasons=[],
                scores={},
            )
        )
    session.flush()


def test_segments_page_charts_the_counts_and_pages_the_accounts(session, app_client) -> None:  # type: ignore[no-untyped-def]
    _segments(session, 63, 7)  # 70 accounts: two pages of 50
    h = {"Authorization": f"Bearer {issue_token(session, b.user(session, role='admin'))}", **HTML}
    html = app_client.get("/segments", headers=h).text
    charts = html[html.index('data-testid="segment-charts"') :]
    # each bar says its count: ready 63, late 7; bundle 63, separate 7 (shares 90 % and 10 %)
    assert "<title>Ready: 63 (90 %)</title>" in charts and "<title>Late: 7 (10 %)</title>" in charts
    assert "<title>Bundle: 63 (90 %)</title>" in charts
    assert "<title>Separate: 7 (10 %)</title>" in charts
    rows = re.findall(r'<a href="/accounts/\d+/leads">(Seg \d+)</a>', html)
    assert rows == [f"Seg {i:03d}" for i in range(69, 19, -1)]  # highest priority first
    assert "1–50 of 70 accounts" in html
    second = app_client.get("/segments?page=2", headers=h).text
    rows2 = re.findall(r'<a href="/accounts/\d+/leads">(Seg \d+)</a>', second)
    assert rows2 == [f"Seg {i:03d}" for i in range(19, -1, -1)]
    assert "51–70 of 70 accounts" in second
    late = app_client.get("/segments?label=late", headers=h).text
    assert "1–7 of 7 accounts" in late and 'href="/segments?label=late&amp;page=2"' not in late
    assert app_client.get("/segments?page=0", headers=h).status_code == 422


def test_twin_bubbles_show_their_numbers() -> None:
    now = [
        twin.position(i, "x", "remote_service", "Remote", 1, 1, False, 3, "Digital partner")
        for i in range(12)
    ]
    one = [twin.position(99, "y", "digital_twin", "Twin", 12, 3, False, 5)]
    svg = twin.svg(now + one)
    groups = re.findall(r'<g data-kind="(\w+)" data-count="(\d+)"><title>([^<]+)</title>', svg)
    by_kind = {(kind, int(n)): title for kind, n, title in groups}
    assert (("now", 12) in by_kind) and (("target", 12) in by_kind) and (("now", 1) in by_kind)
    assert "12 accounts now at moderate x sub-process" in by_kind[("now", 12)]
    assert "1 account now at" in by_kind[("now", 1)]
    # the number is written in the bubble, not only in the tooltip
    numbers = re.findall(r'font-weight="600" font-size="11">(\d+)</text></g>', svg)
    # the one without a next step is its own target: four bubbles
    assert len(groups) == 4 and sorted(numbers) == ["1", "1", "12", "12"]
