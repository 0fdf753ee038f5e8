"""The pages: forms that add and change partners and competitors (a refusal shows the form
again naming the field), the includes on the account 360, the opportunity and the twin page,
no inline script or style (CSP), and the outside roles kept off the staff pages."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.partners.models import Competitor, Partner
from tests import builders as b
from tests.partners import world as w


def _clean(html: str) -> None:
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None  # no inline script (CSP)
    assert " style=" not in html


def test_partner_forms(session: Session, app_client: Any) -> None:
    manager = w.auth(session, b.user(session, role="sales_manager"))
    account = b.account(session, name="Form AG", external_id="FORM-1")
    offering = b.offering(session, name="Remote monitoring")
    new = app_client.get("/partners/new", headers=manager)
    assert new.status_code == 200
    _clean(new.text)
    form = {
        "name": "Form Integrators",
        "kind": "integrator",
        "role": "connects plant systems",
        "boundary": "interfaces only",
        "activity_codes": ["kickoff"],
        "accounts": "FORM-1",
        "offering_ids": [str(offering.id)],
        "contact_email": "x@form.example",
    }
    r = app_client.post("/partners", data=form, headers=manager, follow_redirects=False)
    assert r.status_code == 303, r.text
    p = session.scalar(select(Partner).where(Partner.name == "Form Integrators"))
    assert p is not None and p.activity_codes == ["kickoff"]
    page = app_client.get(r.headers["location"], headers=manager)
    assert (
        "Form AG" in page.text
        and "Remote monitoring" in page.text
        and "interfaces only" in page.text
    )
    _clean(page.text)
    edit = app_client.get(f"/partners/{p.id}/edit", headers=manager)
    assert edit.status_code == 200 and "FORM-1" in edit.text
    # a refusal: the form again with the reason and what was typed
    r = app_client.post(f"/partners/{p.id}", data={**form, "accounts": "NOPE-9"}, headers=manager)
    assert r.status_code == 422 and "NOPE-9" in r.text and "account_ids" in r.text
    r = app_client.post("/partners", data={**form, "name": "", "kind": "reseller"}, headers=manager)
    assert r.status_code == 422 and "kind" in r.text
    r = app_client.post(
        f"/partners/{p.id}",
        data={**form, "role": "plant systems and MES"},
        headers=manager,
        follow_redirects=False,
    )
    assert r.status_code == 303
    session.expire_all()
    assert session.get(Partner, p.id).role == "plant systems and MES"
    r = app_client.post(f"/partners/{p.id}/users", data={"username": "nobody"}, headers=manager)
    assert r.status_code == 422 and "username" in r.text
    # the list filters by kind and name; an analyst reads and gets no form
    analyst = w.auth(session, b.user(session, role="analyst"))
    listed = app_client.get("/partners?kind=integrator&q=form", headers=analyst)
    assert "Form Integrators" in listed.text and 'href="/partners/new"' not in listed.text
    assert app_client.get("/partners?kind=dealer", headers=analyst).text.count("data-partner=") == 0
    # outside roles: refused
    for role in ("customer", "partner"):
        outside = w.auth(session, b.user(session, role=role))
        assert app_client.get("/api/v1/partners", headers=outside).status_code in {403, 404}
        assert app_client.get("/api/v1/competitors", headers=outside).status_code in {403, 404}
        panel = app_client.get(f"/accounts/{account.id}/competitors-panel", headers=outside)
        assert panel.status_code == 404 or panel.text == ""


def test_competitor_pages_and_the_includes(session: Session, app_client: Any) -> None:
    admin = w.auth(session, b.user(session, role="admin"))
    owner = b.user(session, role="account_owner")
    account = b.account(session, name="Include GmbH", external_id="INC-1", owner_id=owner.id)
    b.asset(session, account, origin="competitor", competitor="Rivalco")
    opp = w.opportunity(session, account, owner)
    r = app_client.post(
        "/competitors",
        data={
            "name": "Rivalco",
            "type": "own_service_organisation",
            "products": "in-house maintenance",
        },
        headers=admin,
        follow_redirects=False,
    )
    assert r.status_code == 303
    c = session.scalar(select(Competitor).where(Competitor.name == "Rivalco"))
    assert c is not None
    r = app_client.post(
        f"/competitors/{c.id}/actions",
        data={
            "kind": "contract_won",
            "observed_on": "2026-11-01",
            "source": "the plant manager",
            "account": "INC-1",
        },
        headers=admin,
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = app_client.post(
        f"/competitors/{c.id}/actions",
        data={"kind": "offer", "observed_on": "2026-11-01", "source": "x", "account": "NOPE"},
        headers=admin,
    )
    assert r.status_code == 422 and "account_id" in r.text
    r = app_client.post(
        f"/competitors/{c.id}",
        data={
            "name": "Rivalco",
            "type": "own_service_organisation",
            "aliases": "Rival Co\nRivalco Service",
        },
        headers=admin,
        follow_redirects=False,
    )
    assert r.status_code == 303
    session.expire_all()
    assert session.get(Competitor, c.id).aliases == ["Rival Co", "Rivalco Service"]
    for path in (
        "/competitors",
        f"/competitors/{c.id}",
        "/competitors/alerts",
        f"/accounts/{account.id}/competitors-panel",
        "/twin/ecosystem",
    ):
        page = app_client.get(path, headers=admin)
        assert page.status_code == 200, path
        _clean(page.text)
        assert "Rivalco" in page.text or path.endswith("alerts"), path
    assert (
        "The customer&#39;s own service organisation"
        in app_client.get("/competitors", headers=admin).text
    )
    # the includes: the 360, the opportunity page and the twin load the fragments
    assert (
        f'hx-get="/accounts/{account.id}/competitors-panel"'
        in app_client.get(f"/accounts/{account.id}", headers=admin).text
    )
    assert (
        f'hx-get="/opportunities/{opp.id}/ecosystem-panel"'
        in app_client.get(f"/opportunities/{opp.id}", headers=admin).text
    )
    assert 'hx-get="/twin/ecosystem"' in app_client.get("/twin", headers=admin).text
    panel = app_client.get(f"/opportunities/{opp.id}/ecosystem-panel", headers=admin)
    _clean(panel.text)
    assert 'data-testid="rival-form"' in panel.text
    # the alert form marks an alert read and goes back to the account
    alert = app_client.get("/api/v1/competitor-alerts", headers=admin).json()
    assert alert == []  # Rivalco's machine was there before it was added: no appearance
    r = app_client.post("/competitors/alerts/scan", headers=admin, follow_redirects=False)
    assert r.status_code == 303 and "0-raised" in r.headers["location"]
