"""What the type decides elsewhere: lead routing (field), quote structures (offers) and the
process template of a new opportunity (sales). Without an assignment all stay as before."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from servitize.trust.models import User
from servitize.trust.service import issue_token
from tests import builders as b
from tests.org_types.helpers import assignment


def _auth(session: Session, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(session, user)}"}


def _world(session: Session) -> dict[str, Any]:
    owner = b.user(session, role="account_owner", full_name="Olga Owner")
    tech = b.user(session, role="technician", territory="north")
    digital = b.user(session, role="account_owner", full_name="Dana Digital")
    account = b.account(session, owner_id=owner.id, territory="north")
    monitoring = b.offering(
        session, shell="digital_service", revenue_model="subscription", family="monitoring"
    )
    return {
        "owner": owner,
        "tech": tech,
        "digital": digital,
        "account": account,
        "monitoring": monitoring,
    }


def _report(app_client: Any, session: Session, w: dict[str, Any]) -> dict[str, Any]:
    r = app_client.post(
        "/api/v1/leads",
        json={
            "account_id": w["account"].id,
            "offering_id": w["monitoring"].id,
            "seen": "repeat_fault",
            "observation": "the same fault again",
            "estimated_value": "20000",
        },
        headers=_auth(session, w["tech"]),
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def _seat_digital(session: Session, w: dict[str, Any]) -> None:
    from servitize.org_types.models import FamilySeller

    session.add(FamilySeller(user_id=w["digital"].id, desk="digital", territory="north"))
    session.flush()


def test_a_type_1_accounts_digital_lead_goes_to_the_digital_seller(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    _seat_digital(session, w)
    assignment(session, "account", str(w["account"].id), 1)
    routed = _report(app_client, session, w)
    assert routed["route"] == "account_owner"
    assert routed["assigned_to"]["id"] == w["digital"].id
    assert routed["reason"] == (
        "value at or above the threshold; type 1: digital lead to the digital seller Dana "
        "Digital (for territory north); Olga Owner stays the one face"
    )


def test_without_a_seller_the_owner_gets_it_and_the_reason_says_so(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    assignment(session, "account", str(w["account"].id), 2)
    routed = _report(app_client, session, w)
    assert routed["assigned_to"]["id"] == w["owner"].id
    assert routed["reason"].endswith(
        "type 2: digital lead to the service-and-digital seller, but none for territory "
        "north: the account owner"
    )


def test_without_an_assignment_routing_is_as_before(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    _seat_digital(session, w)  # seated, but the company default is not enforced
    routed = _report(app_client, session, w)
    assert routed["assigned_to"]["id"] == w["owner"].id
    assert routed["reason"] == "value at or above the threshold"


def _quote(app_client: Any, auth: dict[str, str], account_id: int) -> int:
    r = app_client.post(
        "/api/v1/quotes", json={"account_id": account_id, "title": "Smart press"}, headers=auth
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_a_type_4_account_refuses_a_one_time_line_naming_the_rule(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    kit = b.offering(session, name="Spare parts kit", shell="spare_parts", revenue_model="one_time")
    auth = _auth(session, w["owner"])
    plain = _quote(app_client, auth, w["account"].id)  # before any assignment: no restriction
    ok = app_client.post(
        f"/api/v1/quotes/{plain}/lines", json={"offering": kit.external_id}, headers=auth
    )
    assert ok.status_code == 201, ok.text
    assignment(session, "account", str(w["account"].id), 4)
    qid = _quote(app_client, auth, w["account"].id)
    line = app_client.post(
        f"/api/v1/quotes/{qid}/lines",
        json={"offering": w["monitoring"].external_id},
        headers=auth,
    )
    assert line.status_code == 201, line.text
    r = app_client.post(
        f"/api/v1/quotes/{qid}/lines", json={"offering": kit.external_id}, headers=auth
    )
    assert r.status_code == 409
    assert r.json()["detail"] == (
        "account served by type 4: one subscription quote for the whole Smart PSS: every line "
        "recurs; line 'Spare parts kit' is one-time"
    )
    # the quote written before the assignment is refused on submit
    sub = app_client.post(f"/api/v1/quotes/{plain}/submit", json={}, headers=auth)
    assert sub.status_code == 409, sub.text
    assert "line 'Spare parts kit' is one-time" in sub.json()["detail"]


def test_the_type_picks_the_process_template_when_none_is_given(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    other = b.account(session, owner_id=w["owner"].id)
    assignment(session, "account", str(w["account"].id), 4)
    auth = _auth(session, w["owner"])

    def opened(account_id: int, **kw: Any) -> str:
        r = app_client.post(
            "/api/v1/opportunities",
            json={"account_id": account_id, "title": f"Press {len(kw)}", **kw},
            headers=auth,
        )
        assert r.status_code == 201, r.text
        return str(r.json()["offering_type"])

    assert opened(w["account"].id) == "subscription"
    assert opened(w["account"].id, offering_type="project") == "project"  # explicit wins
    assert opened(other.id) == "project"  # no assignment: as before
