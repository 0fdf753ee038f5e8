"""Which type serves each account, and why: precedence, dates, the default."""

from __future__ import annotations

from datetime import date

from servitize.org_types.rules import Basis
from servitize.org_types.service import types_by_account
from tests import builders as b
from tests.org_types.helpers import assignment, segment


def test_precedence_account_over_segment_over_industry_over_country_over_default(session) -> None:  # type: ignore[no-untyped-def]
    listed = b.account(session, industry="Food", country="FR")
    segmented = b.account(session, industry="Food", country="FR")
    industrial = b.account(session, industry="Food", country="FR")
    national = b.account(session, industry="Mining", country="FR")
    other = b.account(session, industry="Mining", country="IT")
    for acc in (listed, segmented):
        segment(session, acc.id, "Digital partner")
    assignment(session, "country", "FR", 2)
    assignment(session, "industry", "Food", 3)
    assignment(session, "segment", "Digital partner", 4, valid_from=date(2026, 3, 1))
    assignment(session, "account", str(listed.id), 1, assigned_by="Jo Black")

    found = types_by_account(session, date(2026, 3, 1), default_type=2)

    assert found[listed.id].org_type == 1 and found[listed.id].basis is Basis.account
    assert found[segmented.id].org_type == 4 and found[segmented.id].basis is Basis.segment
    assert found[industrial.id].org_type == 3 and found[industrial.id].basis is Basis.industry
    assert found[national.id].org_type == 2 and found[national.id].basis is Basis.country
    assert found[other.id].org_type == 2 and found[other.id].is_default
    assert found[segmented.id].why() == (
        "type 4 since 2026-03-01: segment 'Digital partner', assigned by Maria Schmidt (test)"
    )
    assert (
        found[listed.id]
        .why("Listed GmbH")
        .startswith("type 1 since 2026-01-01: account 'Listed GmbH', assigned by Jo Black")
    )
    assert "company default" in found[other.id].why()


def test_an_assignment_applies_from_its_first_day_until_the_day_it_ends(session) -> None:  # type: ignore[no-untyped-def]
    acc = b.account(session, industry="Paper", country="AT")
    assignment(
        session, "industry", "Paper", 3, valid_from=date(2026, 3, 1), valid_to=date(2026, 6, 1)
    )
    by_day = {
        day: types_by_account(session, day, account_ids=[acc.id])[acc.id]
        for day in (date(2026, 2, 28), date(2026, 3, 1), date(2026, 5, 31), date(2026, 6, 1))
    }
    assert [x.org_type for x in by_day.values()] == [1, 3, 3, 1]
    assert by_day[date(2026, 3, 1)].since == date(2026, 3, 1)
    assert by_day[date(2026, 6, 1)].is_default


def test_account_ids_limit_the_answer(session) -> None:  # type: ignore[no-untyped-def]
    a = b.account(session)
    b.account(session)
    assert list(types_by_account(session, date(2026, 1, 1), account_ids=[a.id])) == [a.id]


def test_a_leads_family_comes_from_its_offering_its_catalogue_family_or_external_id(
    session,
) -> None:  # type: ignore[no-untyped-def]
    from servitize.org_types.rules import Family
    from servitize.org_types.service import lead_family

    monitoring = b.offering(session, shell="digital_service", family="condition_monitoring")
    b.offering(session, shell="service", family="inspection", external_id="X-INSPECT")
    assert lead_family(session, monitoring.id, "anything") is Family.digital
    assert lead_family(session, None, "tech:condition_monitoring") is Family.digital
    assert lead_family(session, None, "X-INSPECT") is Family.service
    assert lead_family(session, None, "retrofit") is None


def test_the_page_counts_the_accounts_each_assignment_serves(session) -> None:  # type: ignore[no-untyped-def]
    from servitize.org_types.service import assignments
    from servitize.trust.context import context_of

    listed = b.account(session, industry="Glass")
    b.account(session, industry="Glass")
    b.account(session, industry="Glass")
    glass = assignment(session, "industry", "Glass", 3)
    own = assignment(session, "account", str(listed.id), 4)  # takes one of the three
    ctx = context_of(session, b.user(session, role="analyst"), today=date(2026, 3, 1))
    served = {a.row.id: a.serving for a in assignments(ctx)}
    assert served == {glass.id: 2, own.id: 1}
