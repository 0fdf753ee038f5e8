"""The portal's pages: the customer's (branded) and the staff's (portal users, disputes,
service requests), through forms as a browser posts them."""

from __future__ import annotations

import re

from sqlalchemy import select

from servitize.portal.models import DowntimeDispute, ServiceRequest
from servitize.trust.service import issue_token
from tests import builders as b
from tests.portal import helpers

HTML = {"accept": "text/html"}


def auth(session, user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {issue_token(session, user)}", **HTML}


def test_every_customer_page_shows_the_brand_and_only_their_machines(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    a = b.account(session, name="Alpha", owner_id=owner.id)
    bb = b.account(session, name="Beta", owner_id=owner.id)
    b.asset(session, a, serial="SN-ALPHA")
    b.asset(session, bb, serial="SN-BETA")
    helpers.quote(session, a, owner)
    customer = helpers.customer_of(session, a)
    headers = auth(session, customer)
    for path in (
        "/portal",
        "/portal/quotes",
        "/portal/sheets",
        "/portal/disputes",
        "/portal/requests",
    ):
        page = app_client.get(path, headers=headers)
        assert page.status_code == 200, path
        assert 'href="/portal/brand.css"' in page.text and "Your service partner" in page.text
        assert 'href="/portal/consent"' in page.text  # the data-sharing pages
        assert 'href="/accounts"' not in page.text  # no staff navigation
    home = app_client.get("/portal", headers=headers).text
    assert "SN-ALPHA" in home and "SN-BETA" not in home and "Retrofit of the press" in home
    # a staff page answers 404 with the portal's navigation, not the staff's
    missing = app_client.get("/accounts", headers=headers)
    assert missing.status_code == 404 and 'href="/opportunities"' not in missing.text


def test_the_brand_comes_from_settings(session, app_client) -> None:  # type: ignore[no-untyped-def]
    settings = app_client.app.state.settings
    app_client.app.state.settings = settings.model_copy(
        update={
            "branding": settings.branding.model_copy(
                update={
                    "name": "Nordwerk Service",
                    "primary_colour": "#123456",
                    "accent_colour": "#abcdef",
                }
            )
        }
    )
    try:
        css = app_client.get("/portal/brand.css")
        assert css.headers["content-type"].startswith("text/css")
        assert "--brand:#123456" in css.text and "--brand-accent:#abcdef" in css.text
        assert app_client.get("/portal/brand/logo").status_code == 404  # none configured
        customer = helpers.customer_of(session, b.account(session))
        page = app_client.get("/portal", headers=auth(session, customer))
        assert "Nordwerk Service" in page.text
    finally:
        app_client.app.state.settings = settings


def test_staff_invite_from_the_account_page_and_see_the_link(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, name="Acme Press", owner_id=owner.id)
    headers = auth(session, owner)
    assert (
        f'href="/accounts/{account.id}/portal"'
        in app_client.get(f"/accounts/{account.id}", headers=headers).text
    )
    page = app_client.get(f"/accounts/{account.id}/portal", headers=headers)
    assert page.status_code == 200 and "Invite someone" in page.text
    done = app_client.post(
        f"/accounts/{account.id}/portal/invite",
        headers=headers,
        data={"email": "kim@acme.example", "full_name": "Kim"},
    )
    assert done.status_code == 200
    link = re.search(r'data-testid="link">([^<]+)<', done.text).group(1)  # type: ignore[union-attr]
    assert "/portal/join/" in link and "kim@acme.example" in done.text
    analyst = b.user(session, role="analyst")
    seen = app_client.get(f"/accounts/{account.id}/portal", headers=auth(session, analyst))
    assert seen.status_code == 200 and "Invite someone" not in seen.text


def test_a_customer_disputes_on_the_report_and_the_manager_answers_on_the_disputes_page(
    session, app_client
) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    c = helpers.contracted(session, account, note="INTERNAL note")
    customer = helpers.customer_of(session, account)
    headers = auth(session, customer)
    report = app_client.get(
        f"/portal/contracts/{c.contract.id}/report?period={helpers.MONTH}", headers=headers
    )
    assert report.status_code == 200 and "Send dispute" in report.text
    assert "bearing seized" not in report.text and "INTERNAL" not in report.text
    sent = app_client.post(
        "/portal/disputes",
        headers=headers,
        data={
            "contract_id": str(c.contract.id),
            "month": helpers.MONTH,
            "serial": c.asset.serial,
            "start": helpers.STOP_START.isoformat(),
            "asked_state": "excluded",
            "reason": "the grid failed",
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    dispute = session.scalar(
        select(DowntimeDispute).where(DowntimeDispute.contract_id == c.contract.id)
    )
    assert dispute.status.value == "open" and dispute.downtime_period_id == c.downtime.id
    manager = b.user(session, role="service_manager")
    staff = auth(session, manager)
    listed = app_client.get(f"/disputes?contract_id={c.contract.id}", headers=staff)
    assert (
        listed.status_code == 200 and "the grid failed" in listed.text and "Uphold" in listed.text
    )
    # the staff's contract report links to its disputes
    contract_page = app_client.get(
        f"/contracts/{c.contract.id}/report?period={helpers.MONTH}", headers=staff
    )
    assert f"/disputes?contract_id={c.contract.id}" in contract_page.text
    answered = app_client.post(
        f"/disputes/{dispute.id}/answer",
        headers=staff,
        data={"decision": "upheld", "answer": "Grid outage confirmed."},
        follow_redirects=False,
    )
    assert answered.status_code == 303
    session.refresh(dispute)
    session.refresh(c.downtime)
    assert dispute.status.value == "upheld" and c.downtime.excluded is True
    # the record's stop no longer counts: nothing else is known in the month, nothing to settle
    assert dispute.amount_after_cents == 0 and dispute.amount_before_cents == -100_000


def test_staff_turn_a_request_into_a_lead_on_the_requests_page(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    customer = helpers.customer_of(session, account)
    asked = app_client.post(
        "/portal/requests",
        headers=auth(session, customer),
        data={"account_id": str(account.id), "text": "Please check the hydraulics"},
        follow_redirects=False,
    )
    assert asked.status_code == 303
    row = session.scalar(select(ServiceRequest).where(ServiceRequest.account_id == account.id))
    page = app_client.get("/service-requests", headers=auth(session, owner))
    assert page.status_code == 200 and "Please check the hydraulics" in page.text
    done = app_client.post(
        f"/service-requests/{row.id}/handle",
        headers=auth(session, owner),
        data={"action": "lead", "estimated_value": "1500"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    session.refresh(row)
    assert row.status.value == "lead" and row.lead_id is not None
