"""The intelligence API and pages: row-level access, lead detail, dismissal, segments, twin."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from servitize.intelligence import api, views
from servitize.intelligence.models import Lead
from servitize.intelligence.service import generate_leads, run_segments
from servitize.trust.service import issue_token
from tests import builders as b
from tests.intelligence.fleet import AS_OF, build


def _wire(client) -> None:  # type: ignore[no-untyped-def]
    """Mount the routers unless the app serves them already (web/app.py mounts them now: the
    routes of an included router are not listed in ``app.routes``, so ask the app)."""
    if client.get("/api/v1/leads").status_code == 404:
        client.app.include_router(api.router, prefix="/api/v1")
        client.app.include_router(views.router)


def test_leads_api_shows_only_visible_accounts(session, app_client) -> None:  # type: ignore[no-untyped-def]
    _wire(app_client)
    ids = build(session)
    generate_leads(session, AS_OF)
    run_segments(session, AS_OF)
    owner = session.scalar(select(b.User).where(b.User.username == "olga"))
    auth = {"Authorization": f"Bearer {issue_token(session, owner)}"}
    session.flush()
    assert app_client.get("/api/v1/leads").status_code == 401
    page = app_client.get("/api/v1/leads", headers=auth).json()
    assert page["total"] == 3 and {i["account_id"] for i in page["items"]} == {ids["acme"].id}
    top = page["items"][0]
    assert top["story"] and top["evidence"]["facts"]
    beta_lead = session.scalar(select(Lead).where(Lead.account_id == ids["beta"].id))
    assert app_client.get(f"/api/v1/leads/{beta_lead.id}", headers=auth).status_code == 404
    done = app_client.post(
        f"/api/v1/leads/{top['id']}/dismiss", headers=auth, json={"reason": "customer said no"}
    )
    assert done.status_code == 200 and done.json()["status"] == "dismissed"
    segs = app_client.get("/api/v1/segments", headers=auth).json()
    assert [s["account_id"] for s in segs] == [ids["acme"].id]
    assert segs[0]["go_to_market"] in {"separate", "integrated", "bundle", "subscription"}
    assert app_client.get("/api/v1/features", headers=auth).status_code == 200
    assert app_client.get("/api/v1/twin-positions", headers=auth).json()[0]["level"] == "moderate"


@pytest.mark.slow  # every intelligence page after a full lead generation
def test_pages_render(session, app_client) -> None:  # type: ignore[no-untyped-def]
    _wire(app_client)
    ids = build(session)
    generate_leads(session, AS_OF)
    run_segments(session, AS_OF)
    admin = b.user(session, username="root", role="admin")
    auth = {"Authorization": f"Bearer {issue_token(session, admin)}"}
    session.flush()
    page = app_client.get(f"/accounts/{ids['acme'].id}/leads", headers=auth)
    assert page.status_code == 200 and "three seal repairs" in page.text
    assert "Digital-twin position" in page.text
    assert app_client.get("/segments", headers=auth).status_code == 200
    twin_page = app_client.get("/twin", headers=auth)
    assert twin_page.status_code == 200 and "<svg" in twin_page.text
