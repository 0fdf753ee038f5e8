"""The demo's types: the biggest segment type 2, two digital partners type 4, the rest the
default; sellers at four desks; a second run adds nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from servitize.core.settings import Settings
from servitize.demo.org_types import demo_org_types, in_words
from servitize.org_types.models import FamilySeller, TypeAssignment
from servitize.org_types.service import types_by_account
from tests import builders as b
from tests.org_types.helpers import segment

TODAY = date(2026, 12, 1)


def test_the_demo_assigns_types_once(session) -> None:  # type: ignore[no-untyped-def]
    b.user(session, role="sales_manager", full_name="Head Of Sales")
    for _ in range(4):
        b.user(session, role="account_owner")
    partners = [b.account(session) for _ in range(3)]
    buyers = [b.account(session) for _ in range(4)]
    other = b.account(session)
    for acc in partners:
        segment(session, acc.id, "Digital partner")
    for acc in buyers:
        segment(session, acc.id, "Service buyer")

    done = demo_org_types(session, Settings(), TODAY)

    assert done["segment"] == "Service buyer" and done["accounts"] == [p.id for p in partners[:2]]
    assert "2 accounts type 4" in in_words(done)
    served = types_by_account(session, TODAY)
    assert [served[p.id].org_type for p in partners] == [4, 4, 1]
    assert {served[x.id].org_type for x in buyers} == {2}
    assert served[buyers[0].id].since == date(2026, 9, 2)  # 90 days before
    assert served[other.id].is_default
    assert session.scalar(select(func.count()).select_from(FamilySeller)) == 4
    count = session.scalar(select(func.count()).select_from(TypeAssignment))
    assert demo_org_types(session, Settings(), TODAY) == {}
    assert session.scalar(select(func.count()).select_from(TypeAssignment)) == count
