"""The partners' rows of the role × action table (tests/trust/test_role_actions.py): one request
per action for the acting user, and every write route of partners with a request the analyst
could otherwise make."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from servitize.partners.models import PartnerUser
from tests.partners import world

_n = itertools.count(1)
Request = tuple[str, str, dict[str, Any] | None]


def _activity(w: Any) -> Any:
    from servitize.installed_base.models import Account

    account = w.session.get(Account, w.account_id)
    opp = world.opportunity(w.session, account, w.owner)
    return world.activity(w.session, opp)


def _assign(w: Any, user: Any, own: bool) -> Request:
    p = world.partner(w.session)
    return ("PUT", f"/api/v1/sales-activities/{_activity(w).id}/partner", {"partner_id": p.id})


def _done(w: Any, user: Any, own: bool) -> Request:
    """An activity assigned to the acting partner user's partner (own) or to another one."""
    s = w.session
    link = s.scalar(select(PartnerUser).where(PartnerUser.user_id == user.id))
    if link is None and user.role == "partner":
        mine = world.partner(s)
        s.add(PartnerUser(user_id=user.id, partner_id=mine.id))
        s.flush()
        link = s.scalar(select(PartnerUser).where(PartnerUser.user_id == user.id))
    a = _activity(w)
    if own and link is not None:
        world.assign(s, a, s.get(world.Partner, link.partner_id))
    else:
        world.assign(s, a, world.partner(s))
    return ("POST", f"/api/v1/partner/activities/{a.id}/done", None)


def _action(w: Any, user: Any, own: bool) -> Request:
    c = world.competitor(w.session, f"Rival {next(_n)}")
    return (
        "POST",
        f"/api/v1/competitors/{c.id}/actions",
        {"kind": "offer", "observed_on": "2026-11-02", "source": "trade fair"},
    )


def requests() -> dict[str, Callable[[Any, Any, bool], Request]]:
    """action -> request builder, as REQUESTS takes them."""
    return {
        "partner.manage": lambda w, u, own: (
            "POST",
            "/api/v1/partners",
            {"name": f"Partner R{next(_n)}", "kind": "subcontractor", "role": "training"},
        ),
        "partner.assign": _assign,
        "activity.partner_done": _done,
        "competitor.manage": lambda w, u, own: (
            "POST",
            "/api/v1/competitors",
            {"name": f"Competitor R{next(_n)}", "type": "service_start_up"},
        ),
        "competitor.record": _action,
    }


def write_routes(w: Any) -> dict[tuple[str, str], Any]:
    """Every write route of partners with a request (forms marked 'form')."""
    a = _activity(w)
    p = world.partner(w.session)
    c = world.competitor(w.session, f"Rival W{next(_n)}")
    opp = a.opportunity_id
    api: dict[tuple[str, str], Any] = {
        ("POST", "/api/v1/partners"): requests()["partner.manage"](w, None, True),
        ("PATCH", "/api/v1/partners/{partner_id}"): (
            "PATCH",
            f"/api/v1/partners/{p.id}",
            {"role": "x"},
        ),
        ("POST", "/api/v1/partners/{partner_id}/users"): (
            "POST",
            f"/api/v1/partners/{p.id}/users",
            {"username": "r_partner"},
        ),
        ("PUT", "/api/v1/sales-activities/{activity_id}/partner"): (
            "PUT",
            f"/api/v1/sales-activities/{a.id}/partner",
            {"partner_id": p.id},
        ),
        ("POST", "/api/v1/competitors"): requests()["competitor.manage"](w, None, True),
        ("PUT", "/api/v1/competitors/{competitor_id}"): (
            "PUT",
            f"/api/v1/competitors/{c.id}",
            {"name": c.name, "type": "service_start_up"},
        ),
        ("POST", "/api/v1/competitors/{competitor_id}/actions"): (
            "POST",
            f"/api/v1/competitors/{c.id}/actions",
            {"kind": "offer", "observed_on": "2026-11-02", "source": "fair"},
        ),
        ("POST", "/api/v1/competitor-alerts/scan"): (
            "POST",
            "/api/v1/competitor-alerts/scan",
            None,
        ),
        ("POST", "/api/v1/competitor-alerts/{alert_id}/seen"): (
            "POST",
            "/api/v1/competitor-alerts/1/seen",
            None,
        ),
        ("POST", "/api/v1/opportunities/{opportunity_id}/competitors"): (
            "POST",
            f"/api/v1/opportunities/{opp}/competitors",
            {"competitor_id": c.id},
        ),
        ("POST", "/api/v1/partner/activities/{activity_id}/done"): (
            "POST",
            f"/api/v1/partner/activities/{a.id}/done",
            None,
        ),
    }
    forms = {
        ("POST", "/partners"): ("/partners", {"name": "F", "kind": "integrator", "role": "x"}),
        ("POST", "/partners/{partner_id}"): (
            f"/partners/{p.id}",
            {"name": p.name, "kind": "integrator", "role": "x"},
        ),
        ("POST", "/partners/{partner_id}/users"): (
            f"/partners/{p.id}/users",
            {"username": "r_partner"},
        ),
        ("POST", "/opportunities/{opportunity_id}/partner-assignments"): (
            f"/opportunities/{opp}/partner-assignments",
            {"activity_id": str(a.id), "partner_id": str(p.id)},
        ),
        ("POST", "/opportunities/{opportunity_id}/competitors"): (
            f"/opportunities/{opp}/competitors",
            {"competitor_id": str(c.id)},
        ),
        ("POST", "/competitors"): ("/competitors", {"name": "F", "type": "service_start_up"}),
        ("POST", "/competitors/{competitor_id}"): (
            f"/competitors/{c.id}",
            {"name": c.name, "type": "service_start_up"},
        ),
        ("POST", "/competitors/{competitor_id}/actions"): (
            f"/competitors/{c.id}/actions",
            {"kind": "offer", "observed_on": "2026-11-02", "source": "fair"},
        ),
        ("POST", "/competitors/alerts/scan"): ("/competitors/alerts/scan", {}),
        ("POST", "/competitors/alerts/{alert_id}/seen"): ("/competitors/alerts/1/seen", {}),
        ("POST", "/partner/activities/{activity_id}/done"): (
            f"/partner/activities/{a.id}/done",
            {},
        ),
    }
    out: dict[tuple[str, str], Any] = dict(api)
    out.update({k: ("POST", path, data, "form") for k, (path, data) in forms.items()})
    return out
