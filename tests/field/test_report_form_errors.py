"""A lead report the form refuses comes back with the reason and what it was sent for.

Without JavaScript (a plain form post) the technician gets the form again at 422 with the reason
and the same visit and machine, so sending it again still attaches the lead to the visit; the
report page's script gets the reason as JSON; nothing of a refused report is kept.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servitize.field.models import LeadRoute
from servitize.intelligence.models import Lead
from tests.field.seed import Field
from tests.field.test_pages import log_in


def _leads(session: Session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(Lead)) or 0,
        session.scalar(select(func.count()).select_from(LeadRoute)) or 0,
    )


def test_a_plain_post_without_a_size_shows_the_form_for_the_same_visit_and_machine(
    web: TestClient, session: Session, field: Field
) -> None:
    csrf = log_in(web, "tom")
    before = _leads(session)
    answer = web.post(
        "/report",
        data={
            "csrf_token": csrf,
            "account_id": field.acme,
            "visit_id": field.visit_tom,
            "asset_id": field.press,
            "seen": "wear",
            "observation": "bearing noise",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 422
    assert '<p class="alert" role="alert">pick a size estimate</p>' in answer.text
    assert f'name="visit_id" value="{field.visit_tom}"' in answer.text
    assert f'<option value="{field.press}" selected>' in answer.text
    assert _leads(session) == before


def test_a_bad_machine_id_names_the_field_for_the_page_and_its_script(
    web: TestClient, session: Session, field: Field
) -> None:
    csrf = log_in(web, "tom")
    before = _leads(session)
    sent = {
        "csrf_token": csrf,
        "account_id": field.acme,
        "asset_id": "press-2",
        "seen": "wear",
        "size": "s",
    }
    page = web.post("/report", data=sent, follow_redirects=False)
    assert page.status_code == 422 and "asset_id: not a number: &#39;press-2&#39;" in page.text
    script = web.post("/report", data=sent, headers={"x-requested-with": "fetch"})
    assert script.status_code == 422
    assert script.json() == {"ok": False, "detail": "asset_id: not a number: 'press-2'"}
    assert _leads(session) == before
