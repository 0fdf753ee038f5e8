"""Editing accounts, sites and contacts by hand: the import's rules, 422 naming the field with
nothing written, audit before → after, pages and API alike."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from servitize.installed_base import editing
from servitize.installed_base.editing_rules import check_value, column_of, reasons_by_field
from servitize.installed_base.models import Account, Contact, Site
from servitize.trust.audit_trail import described
from servitize.trust.models import AuditEntry
from servitize.trust.service import issue_token
from tests import builders as b


@pytest.fixture
def owned(session):  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id, territory="north", country="DE")
    session.flush()
    return owner, account


def _auth(session: Any, user: Any, html: bool = False) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {issue_token(session, user)}"}
    return headers | ({"Accept": "text/html"} if html else {})


def _audits(session: Any, entity: str, entity_id: int) -> list[AuditEntry]:
    query = select(AuditEntry).where(
        AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id)
    )
    return list(session.scalars(query.order_by(AuditEntry.id)))


@pytest.mark.parametrize(
    ("kind", "name", "raw", "reason"),
    [
        ("accounts", "country", "Germany", "country 'Germany' is not an ISO 3166 code"),
        ("accounts", "employees", "12.5", "employees '12.5' is not a whole number"),
        ("accounts", "employees", "-3", "employees '-3' is negative"),
        ("accounts", "ownership_type", "state", "is not one of: family, listed, investor, public"),
        ("accounts", "name", "  ", "name is required"),
        ("sites", "country", "XX", "country 'XX' is not an ISO 3166 code"),
        ("accounts", "volume", "7", "volume '7' is outside 1 to 5"),
    ],
)
def test_values_are_refused_with_the_import_words(
    kind: str, name: str, raw: str, reason: str
) -> None:
    value, said = check_value(column_of(kind, name), raw)
    assert value is None and said is not None and reason in said


def test_values_are_typed_as_the_import_types_them() -> None:
    assert check_value(column_of("accounts", "country"), " se ") == ("SE", None)
    assert check_value(column_of("accounts", "employees"), "250") == (250, None)
    assert check_value(column_of("accounts", "ownership_type"), "Family") == ("family", None)
    assert check_value(column_of("accounts", "industry"), "") == (None, None)
    assert check_value(column_of("accounts", "name"), "x" * 201, 200)[1] == (
        "name is longer than 200 characters"
    )


def test_reasons_go_next_to_their_field() -> None:
    message = "country 'Germany' is not an ISO 3166 code; employees '-3' is negative; odd"
    assert reasons_by_field(message, ("country", "employees", "name")) == {
        "country": "country 'Germany' is not an ISO 3166 code",
        "employees": "employees '-3' is negative",
        "": "odd",
    }


def test_an_edited_account_is_audited_field_by_field(session, owned) -> None:  # type: ignore[no-untyped-def]
    owner, account = owned
    dealer = b.account(session, kind="dealer", name="Dealer Nord")
    editing.edit_account(
        session,
        owner,
        account.id,
        {"territory": "south", "country": "at", "dealer_id": str(dealer.id), "name": account.name},
    )
    assert (account.territory, account.country, account.dealer_id) == ("south", "AT", dealer.id)
    [entry] = _audits(session, "account", account.id)
    assert entry.actor == owner.username
    shown = described(entry)
    assert "Territory: north → south" in shown and "Country: DE → AT" in shown
    assert "Name" not in shown  # unchanged fields are not in the entry


def test_a_refused_account_change_writes_nothing(session, owned) -> None:  # type: ignore[no-untyped-def]
    from servitize.core.errors import InvalidInput

    owner, account = owned
    with pytest.raises(InvalidInput) as refused:
        editing.edit_account(
            session, owner, account.id, {"territory": "south", "country": "Germany"}
        )
    assert "country 'Germany'" in refused.value.message
    session.refresh(account)
    assert account.territory == "north" and _audits(session, "account", account.id) == []


def test_only_a_dealer_serves_and_never_itself(session, owned) -> None:  # type: ignore[no-untyped-def]
    from servitize.core.errors import InvalidInput

    owner, account = owned
    customer = b.account(session)
    with pytest.raises(InvalidInput, match="is not a dealer account"):
        editing.edit_account(session, owner, account.id, {"dealer_id": customer.id})
    with pytest.raises(InvalidInput, match="not an account id"):
        editing.edit_account(session, owner, account.id, {"dealer_id": "abc"})


def test_account_api_422_names_the_field_and_200_audits(session, app_client, owned) -> None:  # type: ignore[no-untyped-def]
    owner, account = owned
    url = f"/api/v1/accounts/{account.id}"
    bad = app_client.patch(
        url, headers=_auth(session, owner), json={"territory": "south", "employees": "many"}
    )
    assert bad.status_code == 422, bad.text
    assert "employees 'many' is not a whole number" in bad.json()["detail"]
    session.expire_all()
    assert session.get(Account, account.id).territory == "north"
    ok = app_client.patch(url, headers=_auth(session, owner), json={"territory": "south"})
    assert ok.status_code == 200 and ok.json()["territory"] == "south"
    [entry] = _audits(session, "account", account.id)
    assert entry.before == {"territory": "north"} and entry.after == {"territory": "south"}
    stranger = b.user(session, role="account_owner")
    assert app_client.patch(url, headers=_auth(session, stranger), json={}).status_code == 404
    analyst = b.user(session, role="analyst")
    assert app_client.patch(url, headers=_auth(session, analyst), json={}).status_code == 403


def test_account_page_form(session, app_client, owned) -> None:  # type: ignore[no-untyped-def]
    owner, account = owned
    html = _auth(session, owner, html=True)
    page = f"/accounts/{account.id}/edit"
    shown = app_client.get(page, headers=html)
    assert shown.status_code == 200 and 'name="territory"' in shown.text
    form = {"name": account.name, "country": "DE", "territory": "south", "employees": "-4"}
    bad = app_client.post(page, headers=html, data=form)
    assert bad.status_code == 422
    assert 'data-testid="error-employees"' in bad.text and "is negative" in bad.text
    assert 'value="-4"' in bad.text  # what was typed is kept
    session.expire_all()
    assert session.get(Account, account.id).territory == "north"
    saved = app_client.post(
        page, headers=html, data=form | {"employees": "120"}, follow_redirects=False
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"/accounts/{account.id}"
    session.expire_all()
    assert session.get(Account, account.id).employees == 120
    three_sixty = app_client.get(f"/accounts/{account.id}", headers=html).text
    assert 'data-testid="edit-account"' in three_sixty


def test_sites_are_added_and_edited(session, app_client, owned) -> None:  # type: ignore[no-untyped-def]
    owner, account = owned
    tech = b.user(session, role="technician", territory="north")
    auth = _auth(session, tech)
    base = f"/api/v1/accounts/{account.id}/sites"
    bad = app_client.post(base, headers=auth, json={"name": "Plant 2"})
    assert bad.status_code == 422 and "country is required" in bad.json()["detail"]
    made = app_client.post(base, headers=auth, json={"name": "Plant 2", "country": "de"})
    assert made.status_code == 201 and made.json()["country"] == "DE"
    site_id = made.json()["id"]
    moved = app_client.patch(f"{base}/{site_id}", headers=auth, json={"city": "Bremen"})
    assert moved.status_code == 200 and moved.json()["city"] == "Bremen"
    [_created, changed] = _audits(session, "site", site_id)
    assert changed.before == {"city": None} and changed.after == {"city": "Bremen"}
    html = _auth(session, owner, html=True)
    page = f"/accounts/{account.id}/sites/{site_id}/edit"
    refused = app_client.post(
        page, headers=html, data={"name": "Plant 2", "country": "Deutschland"}
    )
    assert refused.status_code == 422 and 'data-testid="error-country"' in refused.text
    session.expire_all()
    assert session.get(Site, site_id).country == "DE"
    new = app_client.post(
        f"/accounts/{account.id}/sites/new",
        headers=html,
        data={"name": "Depot", "country": "AT", "city": "Linz"},
        follow_redirects=False,
    )
    assert new.status_code == 303
    other = b.account(session)
    assert (
        app_client.patch(
            f"/api/v1/accounts/{other.id}/sites/{site_id}", headers=auth, json={}
        ).status_code
        == 404
    )


def test_contacts_are_edited_and_deactivated(session, app_client, owned) -> None:  # type: ignore[no-untyped-def]
    owner, account = owned
    person = b.contact(session, account, name="Petra Lang", buying_role="technical")
    auth = _auth(session, owner)
    url = f"/api/v1/accounts/{account.id}/contacts/{person.id}"
    bad = app_client.patch(url, headers=auth, json={"buying_role": "boss", "email": "x y"})
    assert bad.status_code == 422
    assert "buying_role 'boss' is not one of" in bad.json()["detail"]
    assert "is not an e-mail address" in bad.json()["detail"]
    ok = app_client.patch(url, headers=auth, json={"buying_role": "decision_maker"})
    assert ok.status_code == 200 and ok.json()["buying_role"] == "decision_maker"
    html = _auth(session, owner, html=True)
    three_sixty = app_client.get(f"/accounts/{account.id}", headers=html).text
    assert "Petra Lang" in three_sixty
    gone = app_client.post(
        f"/accounts/{account.id}/contacts/{person.id}/deactivate",
        headers=html,
        follow_redirects=False,
    )
    assert gone.status_code == 303
    session.expire_all()
    assert session.get(Contact, person.id).active is False
    assert "Petra Lang" not in app_client.get(f"/accounts/{account.id}", headers=html).text
    entries = _audits(session, "contact", person.id)
    assert [e.after for e in entries] == [{"buying_role": "decision_maker"}, {"active": False}]
    assert entries[-1].note == "deactivated"
    former = app_client.get(f"/accounts/{account.id}/edit", headers=html).text
    assert 'data-testid="former-contacts"' in former and "Petra Lang" in former
