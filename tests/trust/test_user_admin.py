"""User administration: the password policy, deactivation, resets, own password changes and API
tokens, on the API, the pages and the CLI; every change audited; bad input names its field."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.core.errors import InvalidInput
from servitize.trust import audit, password_policy
from servitize.trust.models import AuditEntry, User
from servitize.trust.service import create_user, issue_token, set_password, user_by_password
from servitize.web.cli import DEMO_PASSWORD
from tests import builders as b
from tests.web.conftest import csrf_of, log_in
from tests.web.seed import Seeded, seed

GOOD = "violet meadow lantern"  # 21 characters, no name in it


@pytest.fixture
def shop(session: Session) -> Seeded:
    """The small manufacturer of tests/web/seed.py: olga (owner), tom (technician), ada (admin)."""
    return seed(session)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _admin(session: Session, name: str = "ua-admin") -> tuple[User, dict[str, str]]:
    user = b.user(session, username=name, role="admin")
    return user, _bearer(issue_token(session, user))


def _audits(session: Session, entity: str, entity_id: int, action: str) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity == entity,
                AuditEntry.entity_id == str(entity_id),
                AuditEntry.action == action,
            )
        )
    )


# -- the policy ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("x", "needs at least 12 characters, not 1"),
        ("elevenchars", "needs at least 12 characters, not 11"),
        ("Maria.Keller", "must not be the user's name or email"),  # the name, any case
        ("maria.keller@example.com", "must not be the user's name or email"),
        ("password1234", "one of the most common passwords"),
        ("PASSWORD1234", "one of the most common passwords"),
        ("zzzzzzzzzzzzzz", "one of the most common passwords"),  # one character repeated
    ],
)
def test_the_policy_refuses_with_the_field_named(password: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        password_policy.check(password, username="maria.keller", email="maria.keller@example.com")
    assert refused.value.message.startswith("password: ")
    assert reason in refused.value.message


def test_the_policy_accepts_twelve_characters_and_reads_its_minimum() -> None:
    password_policy.check("abcdefghijk1", username="maria")  # exactly 12
    for demo_user in ("admin", "anna", "tom"):  # the password the demo prints for every role
        password_policy.check(DEMO_PASSWORD, username=demo_user)
    with pytest.raises(InvalidInput, match="at least 20 characters"):
        password_policy.check("abcdefghijk1", min_length=20)


def test_every_way_of_setting_a_password_applies_the_policy(session: Session) -> None:
    with pytest.raises(InvalidInput, match="password: needs at least 12"):
        create_user(session, audit.SYSTEM, "short-pw", "analyst", password="a")
    user, _ = create_user(session, audit.SYSTEM, "long-pw-user", "analyst", password=GOOD)
    with pytest.raises(InvalidInput, match="name or email"):
        set_password(session, audit.SYSTEM, user, "Long-PW-User")
    with pytest.raises(InvalidInput, match="at least 12"):
        set_password(session, audit.SYSTEM, user, "only-11-chr")
    assert user_by_password(session, "long-pw-user", GOOD) is not None


# -- deactivation ----------------------------------------------------------------------------


def test_deactivation_ends_sessions_and_tokens_at_once(
    session: Session, client: TestClient, shop: Seeded
) -> None:
    # olga is logged in (cookie) and has an API token; the admin ada deactivates her.
    log_in(client, "olga")
    olga = session.scalar(select(User).where(User.username == "olga"))
    token = issue_token(session, olga)
    assert client.get("/accounts").status_code == 200
    assert client.get("/api/v1/accounts", headers=_bearer(token)).status_code == 200
    _ada, admin_headers = _admin(session)
    answer = client.patch(f"/api/v1/users/{olga.id}", headers=admin_headers, json={"active": False})
    assert answer.status_code == 200, answer.text
    assert answer.json()["active"] is False
    page = client.get("/accounts")
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert client.get("/api/v1/accounts", headers=_bearer(token)).status_code == 401
    assert len(_audits(session, "user", olga.id, "deactivate")) == 1
    # reactivated, the token works again; the old cookie stays ended (its generation moved on)
    client.patch(f"/api/v1/users/{olga.id}", headers=admin_headers, json={"active": True})
    assert client.get("/api/v1/accounts", headers=_bearer(token)).status_code == 200
    assert client.get("/accounts").status_code == 303
    assert len(_audits(session, "user", olga.id, "reactivate")) == 1


def test_an_admin_cannot_deactivate_themselves_or_the_last_admin(
    session: Session, app_client: TestClient
) -> None:
    admin, headers = _admin(session, "ua-only-admin")
    mine = app_client.patch(f"/api/v1/users/{admin.id}", headers=headers, json={"active": False})
    assert mine.status_code == 409 and "yourself" in mine.json()["detail"]


# -- password reset and own change -------------------------------------------------------------


def test_reset_gives_a_one_time_password_the_user_must_replace(
    session: Session, client: TestClient, shop: Seeded
) -> None:
    olga = session.scalar(select(User).where(User.username == "olga"))
    log_in(client, "olga")
    _ada, headers = _admin(session)
    reset = client.post(f"/api/v1/users/{olga.id}/password-reset", headers=headers)
    assert reset.status_code == 200, reset.text
    one_time = reset.json()["one_time_password"]
    assert len(one_time) == 24  # 18 random bytes in URL-safe base64: 18 * 4 / 3
    assert client.get("/accounts").status_code == 303  # her session ended
    # the old password no longer logs in; the one-time one leads to the password page only
    token = csrf_of(client.get("/login").text)
    wrong = client.post(
        "/login",
        data={"username": "olga", "password": "correct horse battery", "csrf_token": token},
    )
    assert wrong.status_code == 401
    login = client.post(
        "/login", data={"username": "olga", "password": one_time, "csrf_token": token}
    )
    assert login.status_code == 303 and login.headers["location"] == "/account/password"
    assert client.get("/accounts").status_code == 403
    form = client.get("/account/password")
    assert form.status_code == 200 and "reset your password" in form.text
    csrf = csrf_of(form.text)
    short = client.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "current_password": one_time,
            "new_password": "short",
            "repeat_password": "short",
        },
    )
    assert short.status_code == 422 and "new_password: needs at least 12" in short.text
    done = client.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "current_password": one_time,
            "new_password": GOOD,
            "repeat_password": GOOD,
        },
    )
    assert done.status_code == 200 and "Your password is changed" in done.text
    assert client.get("/accounts").status_code == 200  # the new cookie of this session works
    session.refresh(olga)
    assert olga.must_change_password is False
    assert user_by_password(session, "olga", GOOD) is not None
    assert len(_audits(session, "user", olga.id, "reset_password")) == 1
    assert len(_audits(session, "user", olga.id, "change_password")) == 1


def test_own_password_change_through_the_api(session: Session, app_client: TestClient) -> None:
    user = b.user(session, username="ua-self", role="technician", password=GOOD)
    headers = _bearer(issue_token(session, user))
    url = "/api/v1/account/password"
    wrong = app_client.put(
        url, headers=headers, json={"current_password": "not mine at all", "new_password": "x" * 20}
    )
    assert wrong.status_code == 422 and wrong.json()["detail"].startswith("current_password:")
    common = app_client.put(
        url, headers=headers, json={"current_password": GOOD, "new_password": "password123456"}
    )
    assert common.status_code == 422 and common.json()["detail"].startswith("new_password:")
    same = app_client.put(
        url, headers=headers, json={"current_password": GOOD, "new_password": GOOD}
    )
    assert same.status_code == 422 and "differ" in same.json()["detail"]
    ok = app_client.put(
        url, headers=headers, json={"current_password": GOOD, "new_password": "amber river 2026"}
    )
    assert ok.status_code == 204, ok.text
    session.expire_all()  # the API changed the row on its own session
    assert user_by_password(session, "ua-self", "amber river 2026") is not None
    assert user_by_password(session, "ua-self", GOOD) is None
    missing = app_client.put(url, headers=headers, json={"current_password": GOOD})
    assert missing.status_code == 422 and "new_password" in missing.json()["detail"]


# -- API tokens ------------------------------------------------------------------------------


def test_tokens_are_made_shown_once_and_revoked(session: Session, app_client: TestClient) -> None:
    target = b.user(session, username="ua-tok", role="account_owner")
    _a, headers = _admin(session)
    made = app_client.post(
        f"/api/v1/users/{target.id}/tokens", headers=headers, json={"label": "erp sync"}
    )
    assert made.status_code == 201, made.text
    clear = made.json()["token"]
    assert clear.startswith("svt_")
    listed = app_client.get(f"/api/v1/users/{target.id}/tokens", headers=headers).json()
    assert [t["label"] for t in listed] == ["erp sync"] and "token" not in listed[0]
    me = app_client.get("/api/v1/tokens", headers=_bearer(clear))
    assert me.status_code == 200
    # the owner makes one of their own
    own = app_client.post("/api/v1/tokens", headers=_bearer(clear), json={"label": "laptop"})
    assert own.status_code == 201 and own.json()["user_id"] == target.id
    revoked = app_client.delete(f"/api/v1/tokens/{made.json()['id']}", headers=headers)
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    assert app_client.get("/api/v1/tokens", headers=_bearer(clear)).status_code == 401
    assert len(_audits(session, "api_token", made.json()["id"], "create")) == 1
    assert len(_audits(session, "api_token", made.json()["id"], "revoke")) == 1
    long_label = app_client.post(
        f"/api/v1/users/{target.id}/tokens", headers=headers, json={"label": "x" * 81}
    )
    assert long_label.status_code == 422 and "label" in long_label.json()["detail"]


def test_own_tokens_on_the_account_page(session: Session, client: TestClient, shop: Seeded) -> None:
    csrf = log_in(client, "tom")
    page = client.post("/account/tokens", data={"csrf_token": csrf, "label": "phone"})
    assert page.status_code == 200
    shown = re.search(r"<code>(svt_[^<]+)</code>", page.text)
    assert shown, "the new token is shown once"
    again = client.get("/account")
    assert shown.group(1) not in again.text and "phone" in again.text
    tom = session.scalar(select(User).where(User.username == "tom"))
    assert (
        client.get("/api/v1/tokens", headers=_bearer(shown.group(1))).json()[0]["user_id"] == tom.id
    )


# -- the admin's edits and lists ----------------------------------------------------------------


def test_edit_role_and_territory_audited_and_bad_input_named(
    session: Session, app_client: TestClient
) -> None:
    target = b.user(session, username="ua-edit", role="technician", territory="north")
    _a, headers = _admin(session)
    url = f"/api/v1/users/{target.id}"
    ok = app_client.patch(
        url, headers=headers, json={"role": "service_manager", "territory": "south"}
    )
    assert ok.status_code == 200, ok.text
    assert (ok.json()["role"], ok.json()["territory"]) == ("service_manager", "south")
    (entry,) = _audits(session, "user", target.id, "update")
    assert entry.before == {"role": "technician", "territory": "north"}
    assert entry.after == {"role": "service_manager", "territory": "south"}
    for body, field in (
        ({"role": "wizard"}, "role"),
        ({"email": "not-an-address"}, "email"),
        ({"territory": "x" * 81}, "territory"),
        ({"full_name": ""}, "full_name"),
    ):
        bad = app_client.patch(url, headers=headers, json=body)
        assert bad.status_code == 422, (body, bad.text)
        assert bad.json()["detail"].startswith(field), (body, bad.json())
    assert app_client.patch("/api/v1/users/999999999", headers=headers, json={}).status_code == 404
    page = app_client.get("/api/v1/users?size=0", headers=headers)
    assert page.status_code == 422 and "size" in page.json()["detail"]


def test_the_user_list_pages_and_filters(session: Session, app_client: TestClient) -> None:
    for n in range(3):
        b.user(session, username=f"ua-list-tech-{n}", role="technician", territory="west")
    gone = b.user(session, username="ua-list-gone", role="technician", active=False)
    _a, headers = _admin(session)
    techs = app_client.get("/api/v1/users?role=technician&q=ua-list&size=2", headers=headers).json()
    # 3 active + 1 deactivated technicians named ua-list: 4 matches, 2 pages of 2
    assert (techs["total"], techs["pages"], len(techs["items"])) == (4, 2, 2)
    inactive = app_client.get(
        "/api/v1/users?role=technician&q=ua-list&active=false", headers=headers
    ).json()
    assert [u["id"] for u in inactive["items"]] == [gone.id]
    analyst = b.user(session, role="analyst")
    refused = app_client.get("/api/v1/users", headers=_bearer(issue_token(session, analyst)))
    assert refused.status_code == 403


def test_admin_pages_list_edit_and_refuse_others(
    session: Session, client: TestClient, shop: Seeded
) -> None:
    csrf = log_in(client, "tom")
    assert client.get("/admin/users").status_code == 403
    client.cookies.clear()
    csrf = log_in(client, "ada")
    listed = client.get("/admin/users?role=technician")
    assert listed.status_code == 200 and "tom" in listed.text and "olga" not in listed.text
    tom = session.scalar(select(User).where(User.username == "tom"))
    bad = client.post(
        f"/admin/users/{tom.id}",
        data={"csrf_token": csrf, "role": "technician", "email": "nope", "full_name": "Tom"},
    )
    assert bad.status_code == 422 and "email:" in bad.text and 'value="nope"' in bad.text
    ok = client.post(
        f"/admin/users/{tom.id}",
        data={"csrf_token": csrf, "role": "technician", "territory": "south", "full_name": "Tom"},
    )
    assert ok.status_code == 303
    session.refresh(tom)
    assert tom.territory == "south"
    reset = client.post(f"/admin/users/{tom.id}/reset-password", data={"csrf_token": csrf})
    assert reset.status_code == 200 and 'data-testid="one-time-password"' in reset.text
    bad_state = client.get("/admin/users?state=sleeping")
    assert bad_state.status_code == 422
