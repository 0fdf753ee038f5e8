"""Use cases of partners and dealers: the partner records (audited), their users, blueprint
activities assigned to them, what a partner's user sees on /partner (its activities; a dealer
also the leads and sign-up sheets of the customers it serves), and the actors around an account.

Every use case takes a ``Context``; the edge owns the transaction. Staff read partners; writes
ask ``partner.manage`` or ``partner.assign``; a partner's user ticks its own activities with
``activity.partner_done`` (installed_base.access).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from servitize.core.errors import InvalidInput, NotFound, PermissionDenied
from servitize.installed_base.access import may, require
from servitize.partners import repository as repo
from servitize.partners import rules
from servitize.partners.models import Partner, PartnerAssignment, PartnerKind, PartnerUser
from servitize.partners.schemas import PartnerIn, PartnerPatch
from servitize.sales import repository as sales_repo
from servitize.sales.models import Opportunity, SalesActivity
from servitize.sales.process import template
from servitize.trust import audit
from servitize.trust.context import Context
from servitize.trust.models import Role, User

OUTSIDE = (Role.customer.value, Role.partner.value)
OFFERING_TYPES = ("project", "service_agreement", "subscription")
FIELDS = (
    "name",
    "kind",
    "role",
    "boundary",
    "activity_codes",
    "contact_name",
    "contact_email",
    "contact_phone",
    "dealer_account_id",
    "active",
)


def blueprint_codes() -> dict[str, str]:
    """Every template activity's code and title (the first title where templates share one)."""
    out: dict[str, str] = {}
    for kind in OFFERING_TYPES:
        for a in template(kind).activities:
            out.setdefault(a.code, a.title)
    return out


def partner_codes() -> list[str]:
    """The template activities whose actor is the partner."""
    return sorted(
        {
            a.code
            for kind in OFFERING_TYPES
            for a in template(kind).activities
            if a.actor == "partner"
        }
    )


def staff_only(user: User) -> None:
    """403 for the outside roles (customer, partner): the staff pages are not theirs."""
    if user.role in OUTSIDE:
        raise PermissionDenied(f"the role {user.role} does not see the staff's partner records")


@dataclass
class PartnerView:
    """A partner as pages, API and commands show it."""

    partner: Partner
    accounts: list[tuple[int, str]] = field(default_factory=list)
    offerings: list[tuple[int, str]] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    dealer: tuple[int, str] | None = None
    activities: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The JSON of the API and ``--json``."""
        p = self.partner
        return {
            "id": p.id,
            "name": p.name,
            "kind": p.kind,
            "role": p.role,
            "boundary": p.boundary,
            "activity_codes": list(p.activity_codes or []),
            "accounts": [{"id": i, "name": n} for i, n in self.accounts],
            "offerings": [{"id": i, "name": n} for i, n in self.offerings],
            "contact": {
                "name": p.contact_name,
                "email": p.contact_email,
                "phone": p.contact_phone,
            },
            "dealer_account": (
                {"id": self.dealer[0], "name": self.dealer[1]} if self.dealer else None
            ),
            "users": self.users,
            "active": p.active,
            "assigned_activities": self.activities,
        }


def _views(ctx: Context, partners: list[Partner], full: bool = False) -> list[PartnerView]:
    ids = [p.id for p in partners]
    accounts = repo.accounts_of(ctx.session, ids)
    offerings = repo.offerings_of(ctx.session, ids)
    # Only the accounts this user may see are named; the others are counted, not shown.
    visible = repo.visible_among(ctx.session, ctx.user, [a for v in accounts.values() for a in v])
    names = repo.account_names(
        ctx.session,
        [a for v in accounts.values() for a in v if a in visible]
        + [p.dealer_account_id for p in partners if p.dealer_account_id],
    )
    offering_names = repo.existing_offerings(
        ctx.session, [o for v in offerings.values() for o in v]
    )
    out = []
    for p in partners:
        view = PartnerView(
            p,
            accounts=[(a, names[a]) for a in accounts.get(p.id, []) if a in names and a in visible],
            offerings=[
                (o, offering_names[o]) for o in offerings.get(p.id, []) if o in offering_names
            ],
            dealer=(
                (p.dealer_account_id, names[p.dealer_account_id])
                if p.dealer_account_id in names
                else None
            ),
        )
        if full:
            view.users = [u.username for u in repo.users_of(ctx.session, p.id)]
            view.activities = len(repo.partner_work(ctx.session, p.id))
        out.append(view)
    return out


def list_partners(
    ctx: Context,
    *,
    kind: str | None = None,
    account_id: int | None = None,
    text: str | None = None,
) -> list[PartnerView]:
    """Partners by name, filtered by kind, an account they work on, or a part of the name."""
    staff_only(ctx.user)
    if kind is not None and kind not in PartnerKind.__members__:
        raise InvalidInput(f"kind: {kind!r} is not one of {', '.join(PartnerKind)}")
    if account_id is not None and repo.visible_account(ctx.session, ctx.user, account_id) is None:
        raise NotFound(f"account {account_id} not found")
    return _views(
        ctx, repo.partners(ctx.session, kind=kind, account_id=account_id, text=text or None)
    )


def get_partner(ctx: Context, partner_id: int) -> PartnerView:
    """One partner with its accounts, offerings, users and the number of assigned activities."""
    staff_only(ctx.user)
    found = repo.partner(ctx.session, partner_id)
    if found is None:
        raise NotFound(f"partner {partner_id} not found")
    return _views(ctx, [found], full=True)[0]


def _check(ctx: Context, p: Partner, account_ids: list[int], offering_ids: list[int]) -> None:
    unknown = sorted(set(p.activity_codes) - set(blueprint_codes()))
    if unknown:
        raise InvalidInput(
            f"activity_codes: {', '.join(unknown)} is not an activity of the blueprint"
        )
    if p.kind == PartnerKind.dealer:
        if p.dealer_account_id is None:
            raise InvalidInput("dealer_account_id: a dealer names its dealer account")
        account = repo.visible_account(ctx.session, ctx.user, p.dealer_account_id)
        if account is None or account.kind != "dealer":
            raise InvalidInput(f"dealer_account_id: {p.dealer_account_id} is not a dealer account")
        other = repo.partner_of_dealer(ctx.session, p.dealer_account_id)
        if other is not None and other.id != p.id:
            raise InvalidInput(
                f"dealer_account_id: the dealer account is the partner {other.name!r} already"
            )
    elif p.dealer_account_id is not None:
        raise InvalidInput("dealer_account_id: only a partner of kind dealer names one")
    visible = repo.visible_among(ctx.session, ctx.user, account_ids)
    missing = sorted(set(account_ids) - visible)
    if missing:
        raise InvalidInput(f"account_ids: no account {missing[0]}")
    offerings = repo.existing_offerings(ctx.session, offering_ids)
    missing = sorted(set(offering_ids) - set(offerings))
    if missing:
        raise InvalidInput(f"offering_ids: no offering {missing[0]}")
    same = repo.partner_by_name(ctx.session, p.name)
    if same is not None and same.id != p.id:
        raise InvalidInput(f"name: a partner called {p.name!r} exists already")


def _state(p: Partner, ctx: Context) -> dict[str, Any]:
    accounts = repo.accounts_of(ctx.session, [p.id]).get(p.id, [])
    offerings = repo.offerings_of(ctx.session, [p.id]).get(p.id, [])
    return {f: getattr(p, f) for f in FIELDS} | {"account_ids": accounts, "offering_ids": offerings}


def create_partner(ctx: Context, data: PartnerIn) -> Partner:
    """Add a partner (audited)."""
    require(ctx.user, "partner.manage")
    p = Partner(
        name=data.name.strip(),
        kind=data.kind.value,
        role=data.role.strip(),
        boundary=data.boundary,
        activity_codes=sorted(set(data.activity_codes)),
        contact_name=data.contact_name,
        contact_email=data.contact_email,
        contact_phone=data.contact_phone,
        dealer_account_id=data.dealer_account_id,
        active=data.active,
    )
    _check(ctx, p, data.account_ids, data.offering_ids)
    repo.add(ctx.session, p)
    repo.set_links(ctx.session, p.id, data.account_ids, data.offering_ids)
    audit.record(ctx.session, ctx.actor, "partner.create", "partner", p.id, after=_state(p, ctx))
    return p


def edit_partner(ctx: Context, partner_id: int, data: PartnerPatch) -> Partner:
    """Change a partner's fields that were sent (audited); its users follow a dealer change."""
    require(ctx.user, "partner.manage")
    p = repo.partner(ctx.session, partner_id)
    if p is None:
        raise NotFound(f"partner {partner_id} not found")
    before = _state(p, ctx)
    sent = data.model_dump(exclude_unset=True)
    for name in FIELDS:
        if name in sent:
            value = sent[name]
            if name in ("name", "role") and value is None:
                raise InvalidInput(f"{name}: required")
            if name == "kind" and value is None:
                raise InvalidInput("kind: required")
            if name == "activity_codes":
                value = sorted(set(value or []))
            if name == "active" and value is None:
                value = True
            setattr(p, name, value.value if isinstance(value, PartnerKind) else value)
    accounts = sent.get("account_ids")
    offerings = sent.get("offering_ids")
    account_ids = before["account_ids"] if accounts is None else list(accounts)
    offering_ids = before["offering_ids"] if offerings is None else list(offerings)
    _check(ctx, p, account_ids, offering_ids)
    ctx.session.flush()
    repo.set_links(ctx.session, p.id, account_ids, offering_ids)
    for u in repo.users_of(ctx.session, p.id):
        u.dealer_account_id = p.dealer_account_id if p.kind == PartnerKind.dealer else None
    old, new = audit.diff(before, _state(p, ctx))
    if new:
        audit.record(ctx.session, ctx.actor, "partner.update", "partner", p.id, old, new)
    return p


def link_user(ctx: Context, partner_id: int, username: str) -> User:
    """Make a user of role partner belong to this partner (moving them from another); a dealer's
    user gets the dealer's scope, the dealer account and the customers it serves (audited)."""
    require(ctx.user, "partner.manage")
    p = repo.partner(ctx.session, partner_id)
    if p is None:
        raise NotFound(f"partner {partner_id} not found")
    user = repo.user_by_name(ctx.session, username)
    if user is None:
        raise InvalidInput(f"username: no user {username!r}")
    if user.role != Role.partner.value:
        raise InvalidInput(f"username: {username} has the role {user.role}, not partner")
    link = repo.user_link(ctx.session, user.id)
    before = {"partner_id": link.partner_id if link else None, "dealer": user.dealer_account_id}
    if link is None:
        repo.add(ctx.session, PartnerUser(user_id=user.id, partner_id=p.id))
    else:
        link.partner_id = p.id
    user.dealer_account_id = p.dealer_account_id if p.kind == PartnerKind.dealer else None
    ctx.session.flush()
    audit.record(
        ctx.session,
        ctx.actor,
        "partner.user",
        "user",
        user.id,
        before=before,
        after={"partner_id": p.id, "dealer": user.dealer_account_id},
    )
    return user


# ---------------------------------------------------------------- the blueprint's partner


@dataclass(frozen=True)
class ActivityLine:
    """An activity of an opportunity with its partner and who it may be assigned to."""

    activity: SalesActivity
    partner_id: int | None
    choices: list[tuple[int, str]]


def opportunity_work(ctx: Context, opportunity_id: int) -> tuple[Opportunity, list[ActivityLine]]:
    """An opportunity's activities that a partner may do: those of the partner actor and those
    a partner's boundary names, with the current assignment and the partners to choose from."""
    opp = sales_repo.get(ctx.session, ctx.user, opportunity_id)
    partners = [p for p in repo.partners(ctx.session) if p.active]
    activities = repo.activities_of_opportunity(ctx.session, opp.id)
    assigned = repo.assignments_of(ctx.session, [a.id for a in activities])
    lines = []
    for a in activities:
        choices = [
            (p.id, p.name)
            for p in partners
            if rules.assignable(a.actor, a.code, p.activity_codes or [])
        ]
        if choices or a.id in assigned:
            lines.append(ActivityLine(a, assigned.get(a.id), choices))
    return opp, lines


def assign(ctx: Context, activity_id: int, partner_id: int | None) -> SalesActivity:
    """Assign an opportunity's activity to a partner, or take it back (None); audited."""
    require(ctx.user, "partner.assign")
    activity = repo.activity(ctx.session, activity_id)
    if activity is None:
        raise NotFound(f"activity {activity_id} not found")
    sales_repo.get(ctx.session, ctx.user, activity.opportunity_id)  # 404 outside the scope
    current = repo.assignment(ctx.session, activity.id)
    before = {"partner_id": current.partner_id if current else None}
    if partner_id is None:
        if current is not None:
            ctx.session.delete(current)
    else:
        p = repo.partner(ctx.session, partner_id)
        if p is None or not p.active:
            raise InvalidInput(f"partner_id: no active partner {partner_id}")
        if not rules.assignable(activity.actor, activity.code, p.activity_codes or []):
            raise InvalidInput(
                f"partner_id: {p.name} may not be assigned {activity.title!r}: it is not the "
                "partner's activity in the blueprint, nor within the partner's boundary"
            )
        if current is None:
            repo.add(
                ctx.session,
                PartnerAssignment(
                    activity_id=activity.id, partner_id=p.id, assigned_by=ctx.actor.name
                ),
            )
        else:
            current.partner_id = p.id
            current.assigned_by = ctx.actor.name
    ctx.session.flush()
    if before["partner_id"] != partner_id:
        audit.record(
            ctx.session,
            ctx.actor,
            "partner.assign",
            "sales_activity",
            activity.id,
            before=before,
            after={"partner_id": partner_id},
        )
    return activity


# ---------------------------------------------------------------- what a partner's user sees


@dataclass(frozen=True)
class WorkItem:
    """An activity assigned to the partner, with only what doing it needs."""

    id: int
    title: str
    phase: int
    layer: str
    due_on: date | None
    status: str
    done_on: date | None
    version: int
    account_name: str
    opportunity_title: str
    blocked: str | None  # why it cannot be ticked now; None: it can

    def as_dict(self) -> dict[str, Any]:
        """The JSON of the partner API."""
        return {
            "id": self.id,
            "title": self.title,
            "phase": self.phase,
            "layer": self.layer,
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "status": self.status,
            "done_on": self.done_on.isoformat() if self.done_on else None,
            "account_name": self.account_name,
            "opportunity_title": self.opportunity_title,
            "may_tick": self.blocked is None,
            "why_not": self.blocked,
        }


def my_partner(ctx: Context) -> Partner:
    """The partner of a partner's user; 403 for another role or a user not yet linked."""
    if ctx.user.role != Role.partner.value:
        raise PermissionDenied("the partner pages are for users of role partner")
    p = repo.partner_of_user(ctx.session, ctx.user.id)
    if p is None or not p.active:
        raise PermissionDenied("your user belongs to no active partner yet; ask your contact")
    return p


def _item(a: SalesActivity, o: Opportunity, account: str) -> WorkItem:
    return WorkItem(
        a.id,
        a.title,
        a.phase,
        a.layer,
        a.due_on,
        a.status,
        a.done_on,
        a.version,
        account,
        o.title,
        rules.may_tick(a.status, a.phase, o.phase, o.status),
    )


def my_work(ctx: Context) -> tuple[Partner, list[WorkItem]]:
    """The partner's assigned activities: open first, then by due day."""
    p = my_partner(ctx)
    return p, [_item(a, o, n) for a, o, n in repo.partner_work(ctx.session, p.id)]


def tick_done(ctx: Context, activity_id: int) -> WorkItem:
    """A partner's user ticks an assigned activity done (when the blueprint allows; audited)."""
    require(ctx.user, "activity.partner_done", own=True)  # 403 for every other role
    p = my_partner(ctx)
    if not repo.partner_work(ctx.session, p.id, activity_id):
        raise NotFound(f"activity {activity_id} not found")
    row = repo.activity_for_edit(ctx.session, activity_id)
    if row is None:
        raise NotFound(f"activity {activity_id} not found")
    ((a, o, name),) = repo.partner_work(ctx.session, p.id, activity_id)
    why = rules.may_tick(a.status, a.phase, o.phase, o.status)
    if why is not None:
        raise InvalidInput(f"activity: {why}")
    a.status = "done"
    a.done_on = ctx.today
    ctx.session.flush()
    audit.record(
        ctx.session,
        ctx.actor,
        "update",
        "sales_activity",
        a.id,
        before={"status": "open", "done_on": None},
        after={"status": "done", "done_on": ctx.today, "partner": p.name},
    )
    return _item(a, o, name)


@dataclass(frozen=True)
class Customer:
    """A customer a dealer serves, with its open leads and sign-up sheets."""

    id: int
    name: str
    leads: list[Any]
    sheets: list[tuple[Any, int, int]]

    def as_dict(self) -> dict[str, Any]:
        """The JSON of the partner API."""
        return {
            "id": self.id,
            "name": self.name,
            "leads": [
                {
                    "id": lead.id,
                    "offering": lead.offering_key,
                    "story": lead.story,
                    "score": lead.score,
                    "estimated_value_cents": lead.estimated_value_cents,
                    "currency": lead.currency,
                    "expires_on": lead.expires_on.isoformat(),
                }
                for lead in self.leads
            ],
            "sheets": [
                {
                    "id": s.id,
                    "status": s.status,
                    "lines": n,
                    "ticked": t,
                    "signed_at": s.signed_at.isoformat() if s.signed_at else None,
                }
                for s, n, t in self.sheets
            ],
        }


def dealer_customers(ctx: Context) -> list[Customer]:
    """The customers the dealer serves, each with its open leads and sign-up sheets (none for a
    partner that is not a dealer)."""
    p = my_partner(ctx)
    if p.kind != PartnerKind.dealer or p.dealer_account_id is None:
        return []
    dealer = p.dealer_account_id
    accounts = repo.served_accounts(ctx.session, ctx.user, dealer)
    ids = [a.id for a in accounts]
    leads = repo.leads_of(ctx.session, ids)
    sheets = repo.sheets_of(ctx.session, ids)
    return [
        Customer(
            a.id,
            a.name,
            [x for x in leads if x.account_id == a.id],
            [s for s in sheets if s[0].account_id == a.id],
        )
        for a in accounts
    ]


def dealer_customer(ctx: Context, account_id: int) -> Customer:
    """One customer the dealer serves; 404 for any other account (another dealer's too)."""
    p = my_partner(ctx)
    if p.kind != PartnerKind.dealer or p.dealer_account_id is None:
        raise NotFound(f"account {account_id} not found")
    dealer = p.dealer_account_id
    account = repo.visible_account(ctx.session, ctx.user, account_id)
    if account is None or account.dealer_id != dealer:
        raise NotFound(f"account {account_id} not found")
    return Customer(
        account.id,
        account.name,
        repo.leads_of(ctx.session, [account.id]),
        repo.sheets_of(ctx.session, [account.id]),
    )


@dataclass(frozen=True)
class Actors:
    """The partners working on an account and the dealer serving it."""

    partners: list[tuple[Partner, str]]
    dealer: tuple[int, str] | None


def actors_at(ctx: Context, account_id: int) -> Actors:
    """Who works around an account (the ecosystem level of the twin grid); 404 outside scope."""
    staff_only(ctx.user)
    if repo.visible_account(ctx.session, ctx.user, account_id) is None:
        raise NotFound(f"account {account_id} not found")
    return Actors(
        repo.partners_at(ctx.session, account_id), repo.dealer_name(ctx.session, account_id)
    )


def may_manage(user: User) -> bool:
    """Whether the user may add and change partners."""
    return may(user, "partner.manage")
