"""Codes whose words depend on what they are of: a machine without sensors reads "No
connectivity", one without a service agreement "Not covered", never Python's "None"."""

from __future__ import annotations

import re

import pytest

from servitize.core.charts import bars
from servitize.core.formats import label
from servitize.installed_base.schemas import CountBy
from servitize.trust.service import issue_token
from tests import builders as b


@pytest.mark.parametrize(
    ("code", "field", "shown"),
    [
        ("none", "connectivity", "No connectivity"),
        ("legacy", "connectivity", "Legacy"),
        ("current", "connectivity", "Current"),
        ("none", "coverage", "Not covered"),
        ("full_service", "coverage", "Full service"),
        ("none", "origin", "None"),  # a field without words of its own: the code as written
        (None, "connectivity", "—"),
    ],
)
def test_codes_read_as_words_of_their_field(code: object, field: str, shown: str) -> None:
    assert label(code, field) == shown


def test_the_connectivity_chart_names_machines_without_sensors() -> None:
    chart = str(bars("By connectivity", [CountBy(label="none", count=2)], field="connectivity"))
    assert ">No connectivity<" in chart and "None" not in chart


def _shown(page: str) -> str:
    """The page's text between tags (no markup, no attribute values)."""
    return " ".join(re.sub(r"<[^>]*>", " ", page).split())


def test_pages_never_show_none_for_connectivity_or_coverage(session, app_client) -> None:  # type: ignore[no-untyped-def]
    admin = b.user(session, role="admin")
    account = b.account(session, name="Bare Metal GmbH")
    machine = b.asset(session, account, connectivity="none", coverage="none")
    headers = {"Authorization": f"Bearer {issue_token(session, admin)}", "Accept": "text/html"}
    page = app_client.get(f"/accounts/{account.id}", headers=headers)
    assert page.status_code == 200
    text = _shown(page.text)
    assert "No connectivity" in text  # the machines table and the chart
    assert "None" not in text.split()
    page = app_client.get(f"/assets/{machine.id}", headers=headers)
    assert page.status_code == 200
    text = _shown(page.text)
    assert "No connectivity" in text and "Not covered" in text
    assert "None" not in text.split()
