"""The pages: /org/types for readers and for the head of sales, the forms, the 360 panel."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from servitize.trust.models import User
from servitize.trust.service import issue_token
from tests import builders as b
from tests.org_types.helpers import assignment, segment


def _auth(session: Session, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(session, user)}"}


def _get(app_client: Any, path: str, head: dict[str, str]) -> Any:
    return app_client.get(path, headers=head)


def test_readers_see_the_types_and_no_forms(session, app_client) -> None:  # type: ignore[no-untyped-def]
    analyst = _auth(session, b.user(session, role="analyst"))
    page = _get(app_client, "/org/types?effects=4", analyst)
    assert page.status_code == 200
    html = page.text
    for words in ("Dominant organisational form", "Focus", "Culture", "Level of integration"):
        assert words in html
    assert "Effects of type 4" in html and "one subscription quote" in html
    assert 'data-testid="ownership-picture"' in html
    assert 'data-testid="assign-form"' not in html and 'data-testid="seller-form"' not in html
    head = _auth(session, b.user(session, role="sales_manager"))
    html = _get(app_client, "/org/types", head).text
    assert 'data-testid="assign-form"' in html and 'data-testid="seller-form"' in html


def test_the_forms_assign_end_and_seat(session, app_client) -> None:  # type: ignore[no-untyped-def]
    manager = b.user(session, role="sales_manager", full_name="Maria Schmidt")
    head = _auth(session, manager)
    b.account(session, industry="Food")
    seller = b.user(session, role="account_owner", username="sam")
    r = app_client.post(
        "/org/types/assignments",
        data={"basis": "industry", "value": "Food", "org_type": "2", "reason": "pilot"},
        headers=head,
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    again = app_client.post(
        "/org/types/assignments",
        data={"basis": "industry", "value": "Food", "org_type": "3", "reason": "again"},
        headers=head,
        follow_redirects=False,
    )
    assert again.status_code == 409 and "valid_from: industry &#39;Food&#39; already" in again.text
    listed = app_client.get("/api/v1/org/types/assignments", headers=head).json()
    assert [(x["org_type"], x["assigned_by"]) for x in listed] == [(2, "Maria Schmidt")]
    bad_day = app_client.post(
        f"/org/types/assignments/{listed[0]['id']}/end",
        data={"valid_to": "yesterday"},
        headers=head,
        follow_redirects=False,
    )
    assert bad_day.status_code == 422 and "valid_to" in bad_day.text
    seat = app_client.post(
        "/org/types/sellers",
        data={"user": "sam", "desk": "service_digital", "territory": ""},
        headers=head,
        follow_redirects=False,
    )
    assert seat.status_code == 303, seat.text
    seats = app_client.get("/api/v1/org/types/sellers", headers=head).json()
    assert [(s["user_id"], s["desk"], s["territory"]) for s in seats] == [
        (seller.id, "service_digital", None)
    ]


def test_the_360_panel_says_why_and_stays_in_scope(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner", full_name="Olga Owner")
    mine = b.account(session, owner_id=owner.id, country="AT")
    theirs = b.account(session, country="AT")
    assignment(session, "country", "AT", 3, assigned_by="Jo Black", reason="solutions")
    head = _auth(session, owner)
    panel = _get(app_client, f"/accounts/{mine.id}/org-type-panel", head)
    assert panel.status_code == 200
    assert "Served as type 3 — why" in panel.text
    assert "type 3 since 2026-01-01: country AT, assigned by Jo Black (solutions)" in panel.text
    assert "Olga Owner stays the one face" in panel.text
    assert 'data-testid="org-type-suggested"' not in panel.text  # no segment: no suggestion
    segment(session, mine.id, "Product buyer")  # its go-to-market label: separate (type 1)
    suggested = _get(app_client, f"/accounts/{mine.id}/org-type-panel", head).text
    assert "Segment 'Product buyer' suggests type 1; the head of sales decides" in suggested
    assert _get(app_client, f"/accounts/{theirs.id}/org-type-panel", head).status_code == 404
    assert _get(app_client, f"/api/v1/org/types/accounts/{theirs.id}", head).status_code == 404
    page = _get(app_client, f"/accounts/{mine.id}", head)
    assert f'hx-get="/accounts/{mine.id}/org-type-panel"' in page.text
