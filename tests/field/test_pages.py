"""The field pages rendered by the app: Today, the report form, inbox, sheet, PDF, leaderboard."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.field.models import LeadRoute, SignUpSheet
from tests.field.seed import PASSWORD, Field

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def log_in(web: TestClient, username: str) -> str:
    """Log in through the form; the CSRF token of the session."""
    token = _TOKEN.search(web.get("/login").text).group(1)  # type: ignore[union-attr]
    answer = web.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token, "next": ""}
    )
    assert answer.status_code == 303, answer.text
    return _TOKEN.search(web.get("/leaderboard").text).group(1)  # type: ignore[union-attr]


def test_today_shows_the_visit_with_its_lead_and_story(
    web: TestClient, session: Session, field: Field
) -> None:
    from servitize.field import service
    from servitize.trust.audit import Actor

    service.route_new_leads(session, Actor("t"))
    log_in(web, "tom")
    page = web.get("/today").text
    assert "Acme Steel Works" in page and "Three spindle repairs in six months." in page
    assert "Southco Foods" not in page
    assert '<script src="/static/field/' not in page  # Today needs no script


def test_report_form_routes_and_answers(web: TestClient, session: Session, field: Field) -> None:
    csrf = log_in(web, "tom")
    form = web.get(f"/report?account_id={field.acme}&visit_id={field.visit_tom}").text
    assert 'src="/static/field/report.js"' in form and "SN-900" in form
    sent = web.post(
        "/report",
        data={
            "csrf_token": csrf,
            "account_id": field.acme,
            "asset_id": field.press,
            "seen": "wear",
            "size": "l",
            "observation": "bearing noise",
            "client_key": "k" * 16,
        },
    )
    assert sent.status_code == 303
    row = session.scalar(select(LeadRoute).where(LeadRoute.client_key == "k" * 16))
    assert (row.route, row.value_cents) == ("account_owner", 15_000_00)
    answer = web.get(sent.headers["location"]).text
    assert "Routed to the account owner: Olga Berger" in answer
    retry = web.post(
        "/report",
        headers={"x-requested-with": "fetch"},
        data={
            "csrf_token": csrf,
            "account_id": field.acme,
            "seen": "wear",
            "size": "l",
            "client_key": "k" * 16,
        },
    )
    assert retry.json() == {
        "ok": True,
        "redirect": f"/inbox/{row.lead_id}?reported=1",
        "route": "account_owner",
    }
    bad = web.post(
        "/report",
        headers={"x-requested-with": "fetch"},
        data={"csrf_token": csrf, "account_id": field.acme, "seen": "wear"},
    )
    assert bad.status_code == 422 and bad.json()["detail"] == "pick a size estimate"
    no_csrf = web.post("/report", data={"account_id": field.acme, "seen": "wear", "size": "s"})
    assert no_csrf.status_code == 403


def test_other_territory_pages_are_404(web: TestClient, session: Session, field: Field) -> None:
    csrf = log_in(web, "tina")
    web.post(f"/visits/{field.visit_tina}/sheets", data={"csrf_token": csrf})
    web.post(
        "/report",
        data={"csrf_token": csrf, "account_id": field.southco, "seen": "wear", "size": "s"},
    )
    sheet = session.scalar(select(SignUpSheet.id))
    lead = session.scalar(select(LeadRoute.lead_id))
    web.post("/logout", data={"csrf_token": csrf})
    log_in(web, "tom")
    for url in (
        f"/sheets/{sheet}",
        f"/sheets/{sheet}.pdf",
        f"/inbox/{lead}",
        f"/visits/{field.visit_tina}",
    ):
        answer = web.get(url)
        assert answer.status_code == 404 and "Not found" in answer.text, url


def test_sheet_page_pdf_and_signing(web: TestClient, session: Session, field: Field) -> None:
    csrf = log_in(web, "tom")
    made = web.post(f"/visits/{field.visit_tom}/sheets", data={"csrf_token": csrf})
    assert made.status_code == 303
    page = web.get(made.headers["location"]).text
    assert 'id="signature-pad"' in page and "Hydraulic hose check" in page
    pdf = web.get(made.headers["location"] + ".pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    lines = re.findall(r'name="line_ids" value="(\d+)" data-price', page)
    signed = web.post(
        made.headers["location"] + "/sign",
        data={
            "csrf_token": csrf,
            "line_ids": lines[:2],
            "signer_name": "Hanna Vogt",
            "signed_on": "screen",
            "signature": "data:image/png;base64,iVBORw0KGgo=",
        },
    )
    assert signed.status_code == 303
    done = web.get(made.headers["location"]).text
    assert "Thank you — ordered" in done and "530.00 EUR" in done  # hose 350 + oil analysis 180


def test_leaderboard_and_best_practice(web: TestClient, session: Session, field: Field) -> None:
    csrf = log_in(web, "tom")
    shared = web.post(
        "/leaderboard/notes",
        data={
            "csrf_token": csrf,
            "title": "Ask about the night shift",
            "body": "Operators of the night shift know which machine stops most.",
        },
    )
    assert shared.status_code == 303
    page = web.get("/leaderboard").text
    assert "Ask about the night shift" in page and "commission" in page.lower()
    assert "EUR" not in page  # no amounts on the leaderboard


def test_owner_home_is_the_inbox_and_the_360_fragment(
    web: TestClient, session: Session, field: Field
) -> None:
    from servitize.field import service
    from servitize.trust.audit import Actor

    service.route_new_leads(session, Actor("t"))
    log_in(web, "olga")
    assert web.get("/today").headers["location"] == "/inbox"
    inbox = web.get("/inbox").text
    assert "Acme Steel Works" in inbox and "Tom Keller" in inbox
    fragment = web.get(f"/accounts/{field.acme}/field").text
    assert fragment.lstrip().startswith("<section") and "Tom Keller" in fragment
