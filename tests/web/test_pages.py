"""The installed-base pages: accounts list, account 360, asset page, 404s."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import log_in
from tests.web.seed import (
    ACME_ASSETS,
    ACME_COMPETITOR,
    ACME_CONTACTS,
    ACME_DOWNTIME_12M,
    ACME_EVENTS_12M,
    ACME_OWN,
    Seeded,
)

HTMX = {"hx-request": "true"}


def _block(html: str, testid: str) -> str:
    """The text of the element marked with data-testid, tags stripped."""
    start = html.index(f'data-testid="{testid}"')
    end = (
        html.index("</section>", start) if "<section" in html[start - 200 : start] else start + 600
    )
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start:end]))


def test_home_goes_to_accounts(client: TestClient, seeded: Seeded) -> None:
    log_in(client, "olga")
    answer = client.get("/")
    assert answer.status_code == 303 and answer.headers["location"] == "/accounts"


def test_accounts_list_shows_own_accounts_and_filters(client: TestClient, seeded: Seeded) -> None:
    log_in(client, "olga")
    page = client.get("/accounts").text
    assert "Acme Steel Works" in page and "Borg Packaging" in page
    assert "Northwind Foods" not in page and "Hidden Chemicals" not in page
    assert "1–2 of 2 accounts" in page
    fragment = client.get("/accounts?country=NL", headers=HTMX | {"hx-target": "account-results"})
    assert fragment.text.lstrip().startswith('<div id="account-results"')
    assert "Borg Packaging" in fragment.text and "Acme Steel Works" not in fragment.text
    assert "<html" not in fragment.text
    assert "Acme Steel Works" in client.get("/accounts?q=acme").text
    assert "No account matches" in client.get("/accounts?q=zzz").text


def test_technician_sees_territory_and_visited_accounts(client: TestClient, seeded: Seeded) -> None:
    log_in(client, "tom")
    page = client.get("/accounts").text
    for name in ("Acme Steel Works", "Borg Packaging", "Northwind Foods"):
        assert name in page
    assert "Hidden Chemicals" not in page


def test_account_360_shows_the_numbers_counted_by_hand(client: TestClient, seeded: Seeded) -> None:
    log_in(client, "olga")
    answer = client.get(f"/accounts/{seeded.acme_id}")
    assert answer.status_code == 200
    page = answer.text
    assets = _block(page, "kpi-assets")
    assert f" {ACME_ASSETS} " in assets
    assert f"{ACME_OWN} own · {ACME_COMPETITOR} competitor" in assets
    people = _block(page, "buying-centre")
    assert f"{ACME_CONTACTS} contacts" in people
    assert re.search(
        r"Decision maker \(2\) .*Hanna Vogt.*Jonas Weber.* Technical \(1\) .*Lena Fischer", people
    )
    assert "Olga Berger" in _block(page, "owner")
    assert f"Work orders, 12 months {ACME_EVENTS_12M} " in _block(page, "kpi-events")
    assert f"Downtime, 12 months {ACME_DOWNTIME_12M}&nbsp;h" in _block(page, "kpi-downtime")
    assert "Duisburg mill" in page and "Rival GmbH" in page
    assert 'aria-label="By origin: Own 7, Competitor 4"' in page
    assert "Serial number missing" in page  # data health: what to fix


def test_installed_base_pages_through_htmx(client: TestClient, seeded: Seeded) -> None:
    log_in(client, "olga")
    first = client.get(f"/accounts/{seeded.acme_id}").text
    assert f"1–{min(15, ACME_ASSETS)} of {ACME_ASSETS} machines" in first
    fragment = client.get(
        f"/accounts/{seeded.acme_id}?assets_offset=10",
        headers=HTMX | {"hx-target": "installed-base"},
    )
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert f"11–11 of {ACME_ASSETS} machines" in fragment.text


def test_asset_page_shows_coverage_line_and_history(client: TestClient, seeded: Seeded) -> None:
    log_in(client, "olga")
    page = client.get(f"/assets/{seeded.acme_press_id}").text
    assert "Under warranty" in _block(page, "coverage-status")
    assert "3.0 years" in _block(page, "age")
    assert page.count('href="/assets/') >= 5  # the five machines of its line
    assert "5 work orders" in page and "Spindle" in page


def test_forbidden_and_unknown_records_answer_the_404_page(
    client: TestClient, seeded: Seeded
) -> None:
    log_in(client, "olga")
    for path in (
        f"/accounts/{seeded.hidden_id}",
        f"/accounts/{seeded.northwind_id}",
        "/accounts/999999",
        "/assets/999999",
        "/no-such-page",
    ):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "Not found" in answer.text and "Northwind" not in answer.text
        assert "Olga Berger" in answer.text or path == "/no-such-page"
    fragment = client.get(
        f"/accounts/{seeded.hidden_id}", headers=HTMX | {"hx-target": "installed-base"}
    )
    assert fragment.status_code == 404


def test_bad_query_parameters_are_4xx_not_500(client: TestClient, seeded: Seeded) -> None:
    log_in(client, "olga")
    assert client.get("/accounts?offset=-1").status_code == 422
    assert client.get("/accounts/abc").status_code == 422
    assert client.get("/accounts?q=" + "x" * 500).status_code == 422


def test_pages_carry_security_headers(client: TestClient, seeded: Seeded) -> None:
    answer = client.get("/login")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"
