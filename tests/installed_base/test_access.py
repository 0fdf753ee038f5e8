"""Row-level access: who sees which accounts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from servitize.core.errors import NotFound
from servitize.installed_base.access import account_scope, get_account
from servitize.installed_base.models import Account
from tests import builders as b


def _visible(session, user) -> set[str]:  # type: ignore[no-untyped-def]
    return set(session.scalars(select(Account.external_id).where(account_scope(user))))


def test_each_role_sees_its_accounts(session) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    other_owner = b.user(session, role="account_owner")
    tech = b.user(session, role="technician", territory="north")
    manager = b.user(session, role="service_manager", territory="south")
    admin = b.user(session, role="admin")
    a1 = b.account(session, external_id="A1", owner_id=owner.id, territory="north")
    b.account(session, external_id="A2", owner_id=other_owner.id, territory="south")
    a3 = b.account(session, external_id="A3", owner_id=other_owner.id, territory="west")
    b.visit(session, tech, a3)

    assert _visible(session, owner) == {"A1"}
    assert _visible(session, tech) == {"A1", "A3"}  # territory north + visit at A3
    assert _visible(session, manager) == {"A2"}
    assert {"A1", "A2", "A3"} <= _visible(session, admin)
    assert get_account(session, tech, a1.id).external_id == "A1"


def test_forbidden_account_is_not_found(session) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    other = b.account(session, external_id="HIDDEN")
    with pytest.raises(NotFound):
        get_account(session, owner, other.id)


def test_dealer_user_sees_the_accounts_it_serves(session) -> None:  # type: ignore[no-untyped-def]
    dealer = b.account(session, external_id="DEALER", kind="dealer")
    b.account(session, external_id="SERVED", dealer_id=dealer.id)
    b.account(session, external_id="DIRECT")
    dealer_user = b.user(session, role="account_owner", dealer_account_id=dealer.id)
    assert _visible(session, dealer_user) == {"DEALER", "SERVED"}


def test_linking_a_dealer_user_is_audited(session) -> None:  # type: ignore[no-untyped-def]
    from servitize.core.errors import InvalidInput
    from servitize.installed_base.service import link_dealer_user
    from servitize.trust.audit import SYSTEM, entries

    dealer = b.account(session, external_id="D-9", kind="dealer")
    b.account(session, external_id="END-1", dealer_id=dealer.id)
    plain = b.account(session, external_id="PLAIN")
    user = b.user(session, username="dealer-dan", role="account_owner")
    with pytest.raises(InvalidInput):
        link_dealer_user(session, SYSTEM, "dealer-dan", plain.external_id)
    link_dealer_user(session, SYSTEM, "dealer-dan", "D-9")
    assert _visible(session, user) == {"D-9", "END-1"}
    entry = entries(session, "user", str(user.id))[0]
    assert entry.after == {"dealer_account_id": dealer.id}
