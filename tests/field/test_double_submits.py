"""A double submit adds one record: a contact (same e-mail at the account; without one, the same
details a moment later) and a contest (same month, region and title) answer 409 with a message."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from servitize.field.models import Contest
from servitize.installed_base.models import Contact
from servitize.trust.service import issue_token
from tests import builders as b


def _contacts(session, account_id: int) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(
        select(func.count()).select_from(Contact).where(Contact.account_id == account_id)
    )


def test_a_contact_with_an_email_is_added_once(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account, other = b.account(session, owner_id=owner.id), b.account(session, owner_id=owner.id)
    session.flush()
    headers = {"Authorization": f"Bearer {issue_token(session, owner)}"}
    person = {"name": "Petra Lang", "buying_role": "technical", "email": "p.lang@acme.example"}
    first = app_client.post(f"/api/v1/accounts/{account.id}/contacts", headers=headers, json=person)
    assert first.status_code == 201, first.text
    again = app_client.post(
        f"/api/v1/accounts/{account.id}/contacts",
        headers=headers,
        json=person | {"email": "P.Lang@ACME.example", "title": "Head of maintenance"},
    )
    assert again.status_code == 409
    assert again.json()["detail"] == (
        f"Petra Lang with e-mail p.lang@acme.example is already in this account's "
        f"buying centre (contact {first.json()['id']}); nothing was added"
    )
    assert _contacts(session, account.id) == 1
    # the same person at another account, and another person at this one, are added
    assert (
        app_client.post(
            f"/api/v1/accounts/{other.id}/contacts", headers=headers, json=person
        ).status_code
        == 201
    )
    assert (
        app_client.post(
            f"/api/v1/accounts/{account.id}/contacts",
            headers=headers,
            json=person | {"name": "Jan Lang", "email": "j.lang@acme.example"},
        ).status_code
        == 201
    )
    # the page's form: the second submit comes back with the reason, nothing added
    form = {"name": "Olaf Berg", "buying_role": "user", "email": "o.berg@acme.example"}
    page = f"/accounts/{account.id}/contacts/new"
    assert (
        app_client.post(page, headers=headers, data=form, follow_redirects=False).status_code == 303
    )
    twice = app_client.post(page, headers=headers, data=form, follow_redirects=False)
    assert (
        twice.status_code == 409 and "is already in this account&#39;s buying centre" in twice.text
    )
    assert _contacts(session, account.id) == 3


def test_a_contact_without_email_is_refused_only_as_a_double_submit(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    session.flush()
    headers = {"Authorization": f"Bearer {issue_token(session, owner)}"}
    url = f"/api/v1/accounts/{account.id}/contacts"
    person = {"name": "Karl Weber", "buying_role": "user", "phone": "+49 30 1234"}
    first = app_client.post(url, headers=headers, json=person)
    assert first.status_code == 201
    again = app_client.post(url, headers=headers, json=person)
    assert again.status_code == 409 and "a moment ago" in again.json()["detail"]
    # different details: another person of the same name
    assert (
        app_client.post(url, headers=headers, json=person | {"phone": "+49 30 9999"}).status_code
        == 201
    )
    # long after (three minutes): a new person of that name is accepted
    added = session.get(Contact, first.json()["id"])
    added.created_at = added.created_at - timedelta(minutes=3)
    session.flush()
    assert app_client.post(url, headers=headers, json=person).status_code == 201
    assert _contacts(session, account.id) == 3


def test_a_contest_is_created_once(session, app_client) -> None:  # type: ignore[no-untyped-def]
    sam = b.user(session, role="service_manager", territory="DoubleNorth")
    session.flush()
    headers = {"Authorization": f"Bearer {issue_token(session, sam)}"}
    contest = {
        "month": "2026-12",
        "region": "DoubleNorth",
        "title": "Most sign-ups",
        "prize": "Lunch",
    }
    first = app_client.post("/api/v1/contests", headers=headers, json=contest)
    assert first.status_code == 201, first.text
    again = app_client.post(
        "/api/v1/contests",
        headers=headers,
        json=contest | {"title": " most SIGN-UPS ", "prize": "Dinner"},
    )
    assert again.status_code == 409
    assert again.json()["detail"] == (
        "the contest 'Most sign-ups' for 2026-12 in DoubleNorth exists already "
        f"(contest {first.json()['id']}); nothing was added"
    )
    assert (
        app_client.post(
            "/api/v1/contests", headers=headers, json=contest | {"month": "2027-01"}
        ).status_code
        == 201
    )
    n = session.scalar(
        select(func.count()).select_from(Contest).where(Contest.region == "DoubleNorth")
    )
    assert n == 2


def test_a_team_member_is_nominated_once_per_role(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    pm = b.user(session, role="sales_manager", full_name="Pete Project")
    account = b.account(session, owner_id=owner.id)
    session.flush()
    headers = {"Authorization": f"Bearer {issue_token(session, owner)}"}
    opp = app_client.post(
        "/api/v1/opportunities",
        headers=headers,
        json={"account_id": account.id, "title": "Line rebuild"},
    ).json()["id"]
    url = f"/api/v1/opportunities/{opp}/team"
    assert (
        app_client.post(
            url, headers=headers, json={"role": "project", "user_id": pm.id}
        ).status_code
        == 201
    )
    again = app_client.post(url, headers=headers, json={"role": "project", "user_id": pm.id})
    assert again.status_code == 409
    assert (
        again.json()["detail"]
        == "Pete Project is already in the team as project; nothing was added"
    )
    assert (
        app_client.post(
            url, headers=headers, json={"role": "design", "name": "Vera Voss"}
        ).status_code
        == 201
    )
    assert (
        app_client.post(
            url, headers=headers, json={"role": "design", "name": "vera voss"}
        ).status_code
        == 409
    )
    # the same person in another role is a nomination of its own
    assert (
        app_client.post(url, headers=headers, json={"role": "design", "user_id": pm.id}).status_code
        == 201
    )
    assert len(app_client.get(url, headers=headers).json()) == 3


def test_a_best_practice_note_is_shared_once(session, app_client) -> None:  # type: ignore[no-untyped-def]
    tom = b.user(session, role="technician", territory="DoubleNorth")
    ben = b.user(session, role="technician", territory="DoubleNorth")
    session.flush()
    note = {"title": "Ask about spares", "body": "Open the spare-parts cabinet with the customer."}
    tom_auth = {"Authorization": f"Bearer {issue_token(session, tom)}"}
    first = app_client.post("/api/v1/best-practices", headers=tom_auth, json=note)
    assert first.status_code == 201
    again = app_client.post("/api/v1/best-practices", headers=tom_auth, json=note)
    assert again.status_code == 409
    assert again.json()["detail"] == (
        f"you shared the note 'Ask about spares' already (note {first.json()['id']}); "
        "nothing was added"
    )
    ben_auth = {"Authorization": f"Bearer {issue_token(session, ben)}"}
    assert app_client.post("/api/v1/best-practices", headers=ben_auth, json=note).status_code == 201
    assert (
        app_client.post(
            "/api/v1/best-practices",
            headers=tom_auth,
            json=note | {"body": "Open the spare-parts cabinet together."},
        ).status_code
        == 201
    )


def test_an_opportunity_is_opened_once(session, app_client) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from servitize.intelligence.models import Lead
    from servitize.sales.models import Opportunity

    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    session.flush()
    lead = Lead(
        account_id=account.id,
        offering_key="inspection",
        asset_ids=[],
        source="rule",
        rule="repeat_repairs",
        score=0.8,
        estimated_value_cents=2_000_00,
        currency="EUR",
        story="Three repairs.",
        evidence={},
        status="open",
        as_of=date(2026, 11, 23),
        expires_on=date(2027, 1, 23),
    )
    session.add(lead)
    session.flush()
    headers = {"Authorization": f"Bearer {issue_token(session, owner)}"}
    body = {"account_id": account.id, "title": "Line rebuild"}
    first = app_client.post("/api/v1/opportunities", headers=headers, json=body)
    assert first.status_code == 201
    again = app_client.post(
        "/api/v1/opportunities", headers=headers, json=body | {"title": "line REBUILD "}
    )
    assert again.status_code == 409
    assert again.json()["detail"] == (
        f"opportunity {first.json()['id']} ('Line rebuild') was opened for this "
        "account a moment ago; an identical second submit adds nothing"
    )
    # the pipeline page's form: the second click does not open a second one
    form = {"account_id": str(account.id), "title": "Press retrofit"}
    assert (
        app_client.post(
            "/opportunities", headers=headers, data=form, follow_redirects=False
        ).status_code
        == 303
    )
    assert (
        app_client.post(
            "/opportunities", headers=headers, data=form, follow_redirects=False
        ).status_code
        == 409
    )
    # from a lead: one open opportunity per lead, whatever its title
    from_lead = body | {"title": "Inspection contract", "source": "lead", "lead_id": lead.id}
    made = app_client.post("/api/v1/opportunities", headers=headers, json=from_lead)
    assert made.status_code == 201, made.text
    twice = app_client.post(
        "/api/v1/opportunities", headers=headers, json=from_lead | {"title": "Other words"}
    )
    assert (
        twice.status_code == 409 and f"lead {lead.id} is already pursued" in twice.json()["detail"]
    )
    # an earlier opportunity of the same title (three minutes ago) does not stop a new one
    older = session.get(Opportunity, first.json()["id"])
    older.created_at = older.created_at - timedelta(minutes=3)
    session.flush()
    assert app_client.post("/api/v1/opportunities", headers=headers, json=body).status_code == 201
    n = session.scalar(
        select(func.count()).select_from(Opportunity).where(Opportunity.account_id == account.id)
    )
    assert n == 4


def test_a_visit_has_one_proposed_sheet(session, api, field) -> None:  # type: ignore[no-untyped-def]
    from servitize.field.models import SignUpSheet
    from tests.field.conftest import token_for

    tom = token_for(session, field.tom)
    first = api.post(f"/api/v1/visits/{field.visit_tom}/sheets", headers=tom)
    assert first.status_code == 201
    again = api.post(f"/api/v1/visits/{field.visit_tom}/sheets", headers=tom)
    assert again.status_code == 409
    assert again.json()["detail"] == (
        f"visit {field.visit_tom} has a proposed sign-up sheet already "
        f"(sheet {first.json()['id']}); nothing was added"
    )
    # the page's button a second time opens the same sheet
    page = api.post(f"/visits/{field.visit_tom}/sheets", headers=tom, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == f"/sheets/{first.json()['id']}"
    assert (
        len(
            session.scalars(
                select(SignUpSheet).where(SignUpSheet.visit_id == field.visit_tom)
            ).all()
        )
        == 1
    )
    # once it is cancelled, a new sheet may be proposed
    cancelled = api.post(
        f"/api/v1/sheets/{first.json()['id']}/cancel", headers=tom, json={"reason": "customer busy"}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert api.post(f"/api/v1/visits/{field.visit_tom}/sheets", headers=tom).status_code == 201


def test_a_visit_is_planned_once(session, api, field) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from tests.field.conftest import token_for

    tom = token_for(session, field.tom)
    day = (date.today() + timedelta(days=4)).isoformat()
    job = {"account_id": field.acme, "day": day, "job_type": "inspection"}
    first = api.post("/api/v1/visits", headers=tom, json=job)
    assert first.status_code == 201
    again = api.post("/api/v1/visits", headers=tom, json=job)
    assert again.status_code == 409
    assert again.json()["detail"] == (
        f"visit {first.json()['id']} plans this inspection at the account on {day} "
        "for that technician already; nothing was added"
    )
    assert (
        api.post("/api/v1/visits", headers=tom, json=job | {"job_type": "repair"}).status_code
        == 201
    )
