"""Query budgets of consent's lists: /consent, its CSV, the 360's panel and the portal page send
as many statements for 50 agreements (with their changes and uses) as for 5."""

from __future__ import annotations

from datetime import UTC, datetime

from servitize.installed_base.models import CustomerAccount
from servitize.telemetry import consent, consent_usage
from servitize.trust.audit import Actor
from servitize.trust.service import issue_token
from tests import builders as b
from tests.query_budget import assert_budget, count_queries

START = datetime(2026, 1, 1, tzinfo=UTC)
# The signed-in user, by their token (1); /consent and its CSV: the agreements with their accounts (1).
LIST = 1 + 1
# The panel: the account (1), its agreements, changes and uses (3).
PANEL = 1 + 1 + 3
# The portal page: the customer's accounts (1), their agreements, changes and uses (3).
PORTAL = 1 + 1 + 3


def _agreements(session, account_id: int, n: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(n):
        a = consent.record_agreement(
            session,
            Actor("staff"),
            account_id,
            ["status", "usage"],
            ["billing", "service_offers"],
            START,
        )
        consent.change(session, Actor("staff"), a.id, ["status"], ["billing"], None)
    consent_usage.record_use(session, "billing", "billing_meter", [account_id])
    session.flush()


def test_the_lists_cost_the_same_for_5_or_50_agreements(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    customer = b.user(session, role="customer")
    account = b.account(session, owner_id=owner.id)
    session.add(CustomerAccount(user_id=customer.id, account_id=account.id))
    staff = {"Authorization": f"Bearer {issue_token(session, owner)}"}
    mine = {"Authorization": f"Bearer {issue_token(session, customer)}"}
    urls = [
        ("/consent?state=narrowed", staff, LIST),
        ("/consent.csv", staff, LIST),
        (f"/accounts/{account.id}/consent-panel", staff, PANEL),
        ("/portal/consent", mine, PORTAL),
    ]
    # A token's first use of the minute notes it (not the page's cost).
    for url, auth in (("/consent", staff), ("/portal/consent", mine)):
        assert app_client.get(url, headers=auth).status_code == 200
    counts = {}
    for many in (5, 45):
        _agreements(session, account.id, many)
        for url, auth, budget in urls:
            with count_queries(session) as counted:
                answer = app_client.get(url, headers=auth)
            assert answer.status_code == 200, (url, answer.text[:300])
            assert_budget(counted, budget)
            counts.setdefault(url, []).append(counted.count)
    assert all(few == lots for few, lots in counts.values()), counts
