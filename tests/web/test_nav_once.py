"""The main navigation is rendered once per role and kind of page, and still shows each role its
own menu with the current page marked (issue 17: it cost every page a tenth of its time)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from servitize.core.pages import templates
from servitize.trust.service import issue_token
from tests import builders as b


def _nav(html: str) -> str:
    found = re.search(r'<nav class="mainnav"[^>]*>(.*?)</nav>', html, re.S)
    assert found, "no main navigation"
    return found.group(1)


def _current(nav: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)" aria-current="page">', nav)


def test_each_role_gets_its_own_menu_with_the_current_page_marked(
    client: TestClient, session: Session
) -> None:
    admin = b.user(session, role="admin")
    tech = b.user(session, role="technician", territory="north")
    first = b.account(session, territory="north")
    second = b.account(session, territory="north")
    as_admin = {"Authorization": f"Bearer {issue_token(session, admin)}"}
    as_tech = {"Authorization": f"Bearer {issue_token(session, tech)}"}

    admin_nav = _nav(client.get(f"/accounts/{first.id}", headers=as_admin).text)
    tech_nav = _nav(client.get(f"/accounts/{first.id}", headers=as_tech).text)
    assert 'href="/admin/users"' in admin_nav and 'href="/today"' not in admin_nav
    assert 'href="/today"' in tech_nav and 'href="/admin/users"' not in tech_nav
    assert _current(admin_nav) == ["/accounts"] == _current(tech_nav)

    # another record of the same kind: the same menu; another page: its own entry marked
    assert _nav(client.get(f"/accounts/{second.id}", headers=as_tech).text) == tech_nav
    inbox_nav = _nav(client.get("/inbox", headers=as_tech).text)
    assert _current(inbox_nav) == ["/inbox"]
    assert _nav(client.get(f"/accounts/{second.id}", headers=as_admin).text) == admin_nav


def test_the_menu_of_a_role_and_page_is_rendered_once() -> None:
    nav = templates(("servitize.web",)).env.globals["main_nav"]
    first = nav("account_owner", "/accounts/17")
    assert nav("account_owner", "/accounts/18") is first  # the same rendering, kept
    assert 'aria-current="page"' in first
    assert nav("technician", "/accounts/17") != first
    development = templates(("servitize.web",), reload=True).env.globals["main_nav"]
    assert development("account_owner", "/accounts/17") == first  # rendered afresh, the same
