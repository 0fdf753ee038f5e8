"""Staff answer what customers raise in the portal: a request for changes to a quote is shown on
the staff's quote page (who, when, what, where it stands) and answered there (a new revision, or
closed with words), audited, and the customer reads the answer; a service request becomes a work
order from the staff's requests page, audited, and the customer follows its status."""

from __future__ import annotations

from sqlalchemy import select

from servitize.offers.models import Quote
from servitize.portal.models import QuoteChangeRequest, ServiceRequest
from servitize.sales.models import Opportunity, Survey
from servitize.service_work.models import WorkOrder
from servitize.trust.models import AuditEntry
from servitize.trust.service import issue_token
from tests import builders as b
from tests.portal import helpers

HTML = {"accept": "text/html"}


def auth(session, user, html: bool = True) -> dict[str, str]:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {issue_token(session, user)}"}
    return {**headers, **HTML} if html else headers


def _asked(session, app_client, customer, quote, message: str) -> QuoteChangeRequest:  # type: ignore[no-untyped-def]
    sent = app_client.post(
        f"/api/v1/portal/quotes/{quote.id}/changes",
        headers=auth(session, customer, html=False),
        json={"message": message},
    )
    assert sent.status_code == 201, sent.text
    return session.scalar(
        select(QuoteChangeRequest)
        .where(QuoteChangeRequest.quote_id == quote.id)
        .order_by(QuoteChangeRequest.id.desc())
    )


# ----------------------------------------------------------------- requests for changes


def test_the_staff_quote_page_shows_who_asked_what_and_when(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    q = helpers.quote(session, account, owner)
    customer = helpers.customer_of(session, account, full_name="Eva Buyer")
    row = _asked(session, app_client, customer, q, "Could monitoring start in March?")
    page = app_client.get(f"/quotes/{q.id}", headers=auth(session, owner))
    assert page.status_code == 200
    assert f'hx-get="/quotes/{q.id}/change-requests-panel"' in page.text
    panel = app_client.get(f"/quotes/{q.id}/change-requests-panel", headers=auth(session, owner))
    assert panel.status_code == 200
    text = panel.text
    assert "Eva Buyer" in text and "Could monitoring start in March?" in text
    assert row.created_at.strftime("%d %b %Y") in text
    assert ">open<" in text and "Revise the quote" in text and "Close the request" in text
    # an analyst may read the quote but not answer: no forms
    analyst = b.user(session, role="analyst")
    seen = app_client.get(f"/quotes/{q.id}/change-requests-panel", headers=auth(session, analyst))
    assert seen.status_code == 200 and "Could monitoring start in March?" in seen.text
    assert "Revise the quote" not in seen.text
    # a user outside the account's scope gets a 404, not the customer's words
    stranger = b.user(session, role="account_owner")
    hidden = app_client.get(
        f"/quotes/{q.id}/change-requests-panel", headers=auth(session, stranger)
    )
    assert hidden.status_code == 404 and "March" not in hidden.text


def test_revising_answers_the_customer_and_opens_a_draft_revision(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner", full_name="Otto Owner")
    account = b.account(session, owner_id=owner.id)
    q = helpers.quote(session, account, owner)
    customer = helpers.customer_of(session, account, full_name="Eva Buyer")
    row = _asked(session, app_client, customer, q, "Twelve months is too long for us")
    done = app_client.post(
        f"/quotes/{q.id}/change-requests/{row.id}/answer",
        headers=auth(session, owner),
        data={"action": "revise", "answer": "We offer a six-month start instead."},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    session.refresh(row)
    session.refresh(q)
    revision = session.get(Quote, row.revision_id)
    assert done.headers["location"] == f"/quotes/{revision.id}"
    assert (revision.number, revision.revision, revision.status.value) == (q.number, 2, "draft")
    assert q.status.value == "superseded"
    assert (row.status.value, row.answer, row.answered_by_id) == (
        "revised",
        "We offer a six-month start instead.",
        owner.id,
    )
    entry = session.scalar(
        select(AuditEntry).where(
            AuditEntry.entity == "quote", AuditEntry.action == "answer_changes"
        )
    )
    assert entry.actor_id == owner.id and entry.entity_id == str(q.id)
    assert entry.after["status"] == "revised" and entry.after["revision_id"] == revision.id
    # the new revision's page lists the request of the earlier one, answered
    panel = app_client.get(
        f"/quotes/{revision.id}/change-requests-panel", headers=auth(session, owner)
    ).text
    assert "Twelve months is too long for us" in panel and "an earlier revision" in panel
    assert "Answered by Otto Owner" in panel and "Revise the quote" not in panel
    # the customer reads the answer on the quote in the portal, not the staff member's name
    mine = app_client.get(f"/portal/quotes/{q.id}", headers=auth(session, customer))
    assert mine.status_code == 200
    assert "We offer a six-month start instead." in mine.text
    assert "A revised quote follows." in mine.text and "Otto Owner" not in mine.text
    api = app_client.get(
        f"/api/v1/portal/quotes/{q.id}", headers=auth(session, customer, html=False)
    ).json()
    assert [(a["status"], a["answer"], a["answered_by"]) for a in api["answers"]] == [
        ("revised", "We offer a six-month start instead.", None)
    ]
    # answered once: a second answer is a conflict
    again = app_client.post(
        f"/quotes/{q.id}/change-requests/{row.id}/answer",
        headers=auth(session, owner),
        data={"action": "close", "answer": "No further changes."},
        follow_redirects=False,
    )
    assert again.status_code == 409


def test_closing_keeps_the_quote_and_bad_answers_are_refused(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    q = helpers.quote(session, account, owner)
    customer = helpers.customer_of(session, account)
    row = _asked(session, app_client, customer, q, "Can you drop the price by half?")
    headers = auth(session, owner)
    url = f"/quotes/{q.id}/change-requests/{row.id}/answer"
    short = app_client.post(url, headers=headers, data={"action": "close", "answer": "no"})
    assert short.status_code == 422 and "answer" in short.text
    odd = app_client.post(url, headers=headers, data={"action": "delete", "answer": "Sorry."})
    assert odd.status_code == 422
    other_owner = b.user(session, role="account_owner")
    foreign = app_client.post(
        url, headers=auth(session, other_owner), data={"action": "close", "answer": "Sorry."}
    )
    assert foreign.status_code == 404
    # the customer cannot answer their own request
    theirs = app_client.post(
        url, headers=auth(session, customer), data={"action": "close", "answer": "Sorry."}
    )
    assert theirs.status_code in (403, 404)
    closed = app_client.post(
        url,
        headers=headers,
        data={"action": "close", "answer": "The price stands; it includes the monitoring."},
        follow_redirects=False,
    )
    assert closed.status_code == 303 and closed.headers["location"] == f"/quotes/{q.id}"
    session.refresh(row)
    session.refresh(q)
    assert row.status.value == "closed" and row.revision_id is None
    assert q.status.value == "sent"  # still the customer's to accept
    page = app_client.get(f"/portal/quotes/{q.id}", headers=auth(session, customer)).text
    assert "The price stands; it includes the monitoring." in page
    assert "A revised quote follows." not in page and "Accept quote" in page


# ------------------------------------------------------------- service request → work order


def test_staff_make_a_work_order_of_a_service_request(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    asset = b.asset(session, account)
    customer = helpers.customer_of(session, account)
    asked = app_client.post(
        "/api/v1/portal/requests",
        headers=auth(session, customer, html=False),
        json={
            "account_id": account.id,
            "asset_id": asset.id,
            "text": "Oil leak under the press\nIt started on Monday.",
        },
    )
    assert asked.status_code == 201
    rid = asked.json()["id"]
    page = app_client.get("/service-requests", headers=auth(session, owner)).text
    assert "Make a lead" in page and "Make a work order" in page
    done = app_client.post(
        f"/service-requests/{rid}/handle",
        headers=auth(session, owner),
        data={"action": "work_order"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    row = session.get(ServiceRequest, rid)
    session.refresh(row)
    work = session.scalar(select(WorkOrder).where(WorkOrder.request_ref == f"portal-request:{rid}"))
    assert row.status.value == "work_order" and row.lead_id is None
    assert (work.account_id, work.asset_id, work.title, work.source) == (
        account.id,
        asset.id,
        "Oil leak under the press",
        "request",
    )
    assert "It started on Monday." in (work.description or "")
    entry = session.scalar(
        select(AuditEntry).where(
            AuditEntry.entity == "service_request", AuditEntry.action == "handle"
        )
    )
    assert entry.actor_id == owner.id and entry.after["work_order_id"] == work.id
    # the customer sees it as a work order with the work order's status
    mine = app_client.get("/api/v1/portal/requests", headers=auth(session, customer, html=False))
    assert [(r["status"], r["work_order_id"], r["work_order_status"]) for r in mine.json()] == [
        ("work_order", work.id, "new")
    ]
    work.status = "scheduled"
    session.flush()
    listed = app_client.get("/portal/requests", headers=auth(session, customer)).text
    assert f"work order {work.id}: Scheduled" in listed
    staff_list = app_client.get(
        "/service-requests?status=work_order", headers=auth(session, owner)
    ).text
    assert f'href="/work/{work.id}"' in staff_list
    # handled once: the request is no longer open
    again = app_client.post(
        f"/api/v1/service-requests/{rid}/handle",
        headers=auth(session, owner, html=False),
        json={"action": "work_order"},
    )
    assert again.status_code == 409


def test_the_work_order_action_through_the_api_and_who_may(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    customer = helpers.customer_of(session, account)
    row = helpers.service_request(session, account, customer)
    theirs = app_client.post(
        f"/api/v1/service-requests/{row.id}/handle",
        headers=auth(session, customer, html=False),
        json={"action": "work_order"},
    )
    assert theirs.status_code in (403, 404)
    bad = app_client.post(
        f"/api/v1/service-requests/{row.id}/handle",
        headers=auth(session, owner, html=False),
        json={"action": "repair"},
    )
    assert bad.status_code == 422
    manager = b.user(session, role="service_manager")
    made = app_client.post(
        f"/api/v1/service-requests/{row.id}/handle",
        headers=auth(session, manager, html=False),
        json={"action": "work_order"},
    )
    assert made.status_code == 200, made.text
    body = made.json()
    assert body["status"] == "work_order" and body["work_order_status"] == "new"
    work = session.get(WorkOrder, body["work_order_id"])
    assert work.title == "The press squeaks at start-up" and work.asset_id is None


# ------------------------------------------------------------------- public functions


def test_the_portal_lists_a_survey_link_the_survey_page_answers(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    opp = Opportunity(
        account_id=account.id, title="Press", owner_id=owner.id, currency="EUR", value_cents=1
    )
    session.add(opp)
    session.flush()
    survey = Survey(opportunity_id=opp.id, account_id=account.id)
    session.add(survey)
    session.flush()
    customer = helpers.customer_of(session, account)
    listed = app_client.get("/api/v1/portal/surveys", headers=auth(session, customer, html=False))
    assert listed.status_code == 200, listed.text
    (row,) = listed.json()
    link = row["link"]
    assert link.startswith("/survey/")
    # the link the portal lists is one the (login-free) survey page accepts; a forged one is not
    answered = app_client.get(link)
    assert answered.status_code == 200 and f'action="{link}"' in answered.text
    assert app_client.get(link + "x").status_code == 404


def test_the_api_lists_and_answers_requests_for_changes(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner", full_name="Otto Owner")
    account = b.account(session, owner_id=owner.id)
    q = helpers.quote(session, account, owner)
    customer = helpers.customer_of(session, account, full_name="Eva Buyer")
    row = _asked(session, app_client, customer, q, "Please add a second press")
    staff = auth(session, owner, html=False)
    listed = app_client.get(f"/api/v1/quotes/{q.id}/change-requests", headers=staff)
    assert listed.status_code == 200
    assert [(c["id"], c["asked_by"], c["message"], c["status"]) for c in listed.json()] == [
        (row.id, "Eva Buyer", "Please add a second press", "open")
    ]
    stranger = auth(session, b.user(session, role="account_owner"), html=False)
    assert (
        app_client.get(f"/api/v1/quotes/{q.id}/change-requests", headers=stranger).status_code
        == 404
    )
    bad = app_client.post(
        f"/api/v1/quote-change-requests/{row.id}/answer",
        headers=staff,
        json={"action": "revise", "answer": ""},
    )
    assert bad.status_code == 422
    done = app_client.post(
        f"/api/v1/quote-change-requests/{row.id}/answer",
        headers=staff,
        json={"action": "revise", "answer": "Revision 2 has both presses."},
    )
    assert done.status_code == 200, done.text
    body = done.json()
    revision = session.get(Quote, body["revision_id"])
    assert (body["status"], body["answered_by"], revision.revision) == ("revised", "Otto Owner", 2)
    assert (
        app_client.get(f"/api/v1/quotes/{revision.id}/change-requests", headers=staff).json()[0][
            "answer"
        ]
        == "Revision 2 has both presses."
    )
