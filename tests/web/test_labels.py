"""Codes shown as people write them: regions, industries, product lines (core.formats.label)."""

from __future__ import annotations

import pytest

from servitize.core.formats import label


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("DACH", "DACH"),  # a region as imported keeps its capitals (Jinja's capitalize: "Dach")
        ("dach", "DACH"),
        ("UK & Ireland", "UK & Ireland"),  # not "Uk & ireland"
        ("uk_ireland", "UK & Ireland"),  # not "Uk ireland"
        ("Benelux & Nordics", "Benelux & Nordics"),
        ("oil_gas", "Oil & gas"),
        ("food_beverage", "Food & beverage"),
        ("pulp_paper", "Pulp & paper"),
        ("centrifugal_pump", "Centrifugal pump"),  # a product line, not its slug
        ("packaging_line", "Packaging line"),
        ("plc_retrofit", "PLC retrofit"),
        ("smart_pss_bundle", "Smart PSS bundle"),
        ("out_of_contract", "Out of contract"),
        ("north", "North"),
        ("it", "It"),  # a short English word is not taken for an acronym
        ("", "—"),
        (None, "—"),
    ],
)
def test_labels(code: object, shown: str) -> None:
    assert label(code) == shown


def test_pages_show_regions_as_written(session, app_client) -> None:  # type: ignore[no-untyped-def]
    from servitize.trust.service import issue_token
    from tests import builders as b

    admin = b.user(session, role="admin")
    account = b.account(session, territory="UK & Ireland", industry="oil_gas", name="Celtic Oil")
    b.user(session, role="technician", territory="DACH")
    headers = {"Authorization": f"Bearer {issue_token(session, admin)}", "Accept": "text/html"}
    page = app_client.get(f"/accounts/{account.id}", headers=headers).text
    assert "UK &amp; Ireland" in page and "Oil &amp; gas" in page
    assert "Uk &amp; ireland" not in page and "Oil gas" not in page
    board = app_client.get("/leaderboard", headers=headers).text
    assert ">DACH<" in board and "Dach" not in board
