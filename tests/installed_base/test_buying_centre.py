"""Adding a person to a buying centre by hand: rules, access, audit, the 360, API and page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from servitize.core.errors import InvalidInput, NotFound, PermissionDenied
from servitize.installed_base import buying_centre, service
from servitize.trust.context import context_of
from servitize.trust.models import AuditEntry
from servitize.trust.service import issue_token
from tests import builders as b


@pytest.fixture
def owned(session):  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    session.flush()
    return owner, account


def test_an_added_person_shows_in_the_360_by_role_and_is_audited(session, owned) -> None:  # type: ignore[no-untyped-def]
    owner, account = owned
    new = buying_centre.parse_contact(
        {
            "name": " Petra Lang ",
            "buying_role": "technical",
            "level": "management",
            "email": "p.lang@acme.example",
            "title": "",
            "phone": "",
        }
    )
    contact = buying_centre.add_contact(session, owner, account.id, new)
    assert contact.external_id.startswith("HAND-") and contact.title is None
    a360 = service.account_360(context_of(session, owner), account.id)
    [shown] = a360.contacts_by_role["technical"]
    assert (shown.name, shown.level, shown.email) == (
        "Petra Lang",
        "management",
        "p.lang@acme.example",
    )
    [entry] = session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity == "contact", AuditEntry.entity_id == str(contact.id)
        )
    ).all()
    assert entry.actor == owner.username and entry.after["buying_role"] == "technical"


def test_bad_people_are_refused_with_every_reason(session, owned) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as refused:
        buying_centre.parse_contact({"name": "P", "buying_role": "boss", "email": "no-at-sign"})
    message = refused.value.message
    assert "name: String should have at least 2 characters" in message
    assert "buying_role: Input should be" in message and "'no-at-sign' is not an e-mail" in message


def test_strangers_get_404_and_analysts_only_read(session, owned) -> None:  # type: ignore[no-untyped-def]
    _owner, account = owned
    new = buying_centre.parse_contact({"name": "Petra", "buying_role": "user"})
    with pytest.raises(NotFound):
        buying_centre.add_contact(session, b.user(session, role="account_owner"), account.id, new)
    with pytest.raises(PermissionDenied):
        buying_centre.add_contact(session, b.user(session, role="analyst"), account.id, new)


def test_api_and_page_form(session, app_client, owned) -> None:  # type: ignore[no-untyped-def]
    owner, account = owned
    auth = {"Authorization": f"Bearer {issue_token(session, owner)}"}
    made = app_client.post(
        f"/api/v1/accounts/{account.id}/contacts",
        headers=auth,
        json={"name": "Omar Field", "buying_role": "decision_maker"},
    )
    assert made.status_code == 201 and made.json()["buying_role"] == "decision_maker"
    bad = app_client.post(
        f"/api/v1/accounts/{account.id}/contacts", headers=auth, json={"name": "Omar"}
    )
    assert bad.status_code == 422 and "buying_role: Field required" in bad.json()["detail"]

    html = auth | {"Accept": "text/html"}
    page = f"/accounts/{account.id}/contacts/new"
    assert app_client.get(page, headers=html).status_code == 200
    saved = app_client.post(
        page,
        headers=html,
        follow_redirects=False,
        data={"name": "Ida Buyer", "buying_role": "procurement", "level": ""},
    )
    assert saved.status_code == 303 and saved.headers["location"].startswith(
        f"/accounts/{account.id}"
    )
    again = app_client.post(
        page,
        headers=html,
        data={"name": "Ida", "buying_role": "procurement", "email": "ida at acme"},
    )
    assert again.status_code == 422 and "is not an e-mail address" in again.text
    assert 'value="ida at acme"' in again.text
    three_sixty = app_client.get(f"/accounts/{account.id}", headers=html).text
    assert (
        "Ida Buyer" in three_sixty
        and "Omar Field" in three_sixty
        and 'data-testid="add-contact"' in three_sixty
    )
