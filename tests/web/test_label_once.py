"""Pages format each code's label once per process (core.pages): the remembered answer must be
the one for that value and its type, and a value that cannot be remembered is still formatted."""

from __future__ import annotations

from servitize.core.pages import templates
from servitize.trust.models import Role


def test_labels_remembered_per_value_and_type() -> None:
    label = templates().env.globals["fmt_label"]
    values = [1, True, 1.0, "out_of_contract", Role.account_owner, ["a"], None]
    expected = ["1", "True", "1.0", "Out of contract", "Account owner", "['a']", "—"]
    assert [label(v) for v in values] == expected
    assert [label(v) for v in reversed(values)] == list(reversed(expected))  # asked again


def test_a_page_shows_the_remembered_labels() -> None:
    page = templates().env.from_string(
        '{% import "_ui.html" as ui %}{{ ui.label(1) }}|{{ ui.label(True) }}|{{ ui.label(1) }}'
    )
    assert page.render() == "1|True|1"
