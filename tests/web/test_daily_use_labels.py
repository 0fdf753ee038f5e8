"""The accounts list's filters name industries and territories as people write them (issue 16:
no slugs such as food_beverage in a menu); the value sent stays the code."""

from __future__ import annotations

import re

from servitize.trust.service import issue_token
from tests import builders as b


def test_the_accounts_filters_show_industries_and_territories_as_words(session, app_client) -> None:  # type: ignore[no-untyped-def]
    admin = b.user(session, role="admin")
    b.account(session, name="Brew One", industry="food_beverage", territory="dach")
    b.account(session, name="Oil Two", industry="oil_gas", territory="uk_ireland")
    headers = {"Authorization": f"Bearer {issue_token(session, admin)}", "Accept": "text/html"}
    page = app_client.get("/accounts", headers=headers).text
    options = dict(re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', page))
    assert options["food_beverage"] == "Food &amp; beverage"
    assert options["oil_gas"] == "Oil &amp; gas"
    assert options["dach"] == "DACH" and options["uk_ireland"] == "UK &amp; Ireland"
    assert ">food_beverage<" not in page and ">oil_gas<" not in page
    filtered = app_client.get("/accounts?industry=oil_gas", headers=headers).text
    assert "Oil Two" in filtered and "Brew One" not in filtered
