"""Users from outside the company stay inside their pages: every GET route of the app that is not
theirs answers 404 to a customer and to a partner, pages and API alike (trust.http)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from servitize.installed_base.models import CustomerAccount
from servitize.trust.http import outside_allowed
from servitize.trust.service import issue_token
from tests import builders as b

PARAM = re.compile(r"\{[^}]+\}")


def _get_routes(routes: list[Any], prefix: str = "") -> set[str]:
    """Path templates of every GET route, into included routers too."""
    out: set[str] = set()
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            out |= _get_routes(included.routes, prefix + route.include_context.prefix)
            continue
        if "GET" in (getattr(route, "methods", None) or ()):
            out.add(prefix + route.path)
    return out


@pytest.mark.parametrize(
    ("role", "path", "allowed"),
    [
        ("customer", "/portal", True),
        ("customer", "/portal/machines", True),
        ("customer", "/api/v1/portal/machines", True),
        ("customer", "/portalx", False),
        ("customer", "/partner", False),
        ("customer", "/accounts", False),
        ("customer", "/login", True),
        ("customer", "/static/app.css", True),
        ("partner", "/partner/work", True),
        ("partner", "/portal", False),
        ("partner", "/api/v1/accounts", False),
        ("admin", "/accounts", True),
        ("analyst", "/portal", True),  # staff reach the path; the portal's pages refuse them
    ],
)
def test_which_paths_outside_users_reach(role: str, path: str, allowed: bool) -> None:
    assert outside_allowed(role, path) is allowed


def test_customers_and_partners_get_404_on_every_staff_route(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    asset = b.asset(session, account)
    customer = b.user(session, role="customer")
    partner = b.user(session, role="partner")
    session.add(CustomerAccount(user_id=customer.id, account_id=account.id))
    session.flush()
    headers = {
        role: {"Authorization": f"Bearer {issue_token(session, u)}"}
        for role, u in (("customer", customer), ("partner", partner))
    }
    staff = {"Authorization": f"Bearer {issue_token(session, b.user(session, role='admin'))}"}
    paths = sorted(_get_routes(app_client.app.routes))
    checked = 0
    for template in paths:
        # a real id in every path parameter (the account's, which is also an asset's id space)
        path = PARAM.sub(str(account.id if "account" in template else asset.id), template)
        anonymous = app_client.get(path, follow_redirects=False)
        if anonymous.status_code != 401 and "/login" not in anonymous.headers.get("location", ""):
            continue  # public (API docs, health, signed links): the same for everybody
        for role, auth in headers.items():
            if outside_allowed(role, path):
                continue
            answer = app_client.get(path, headers=auth, follow_redirects=False)
            assert answer.status_code == 404, (role, path, answer.status_code)
            checked += 1
    assert checked > 200  # the sweep covered the app's staff pages and API
    # the same account page answers the admin: it is the role, not the path, that is refused
    assert app_client.get(f"/accounts/{account.id}", headers=staff).status_code == 200
    assert app_client.get(f"/api/v1/accounts/{account.id}", headers=staff).status_code == 200


def test_a_customer_logs_in_to_the_portal_and_a_staff_link_does_not_take_them_out(
    session, app_client
) -> None:  # type: ignore[no-untyped-def]
    b.user(session, username="cust1", role="customer", password="a long secret 123")
    for asked, lands in (
        ("", "/portal"),
        ("/accounts", "/portal"),
        ("/portal/quotes", "/portal/quotes"),
    ):
        app_client.cookies.clear()
        form = app_client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
        r = app_client.post(
            "/login",
            data={
                "username": "cust1",
                "password": "a long secret 123",
                "csrf_token": token,
                "next": asked,
            },
            follow_redirects=False,
        )
        assert r.status_code == 303 and r.headers["location"] == lands, (asked, r.headers)
    assert app_client.get("/", follow_redirects=False).headers["location"] == "/portal"
