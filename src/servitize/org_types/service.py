"""Use cases of the organisation types: which type serves each account and why; assign and end
types per customer group; seat sellers at desks; and what the type decides for a lead, a quote
and an opportunity (the hooks field, offers and sales call).

Reads are open to every signed-in user; assigning asks ``org_type.assign`` and seating sellers
``org_type.sellers`` (installed_base.access). The edge owns the transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from servitize.core.errors import Conflict, InvalidInput, NotFound
from servitize.core.settings import OrgTypesSettings
from servitize.installed_base.access import get_account, require
from servitize.org_types import repository as repo
from servitize.org_types import rules
from servitize.org_types.models import FamilySeller, TypeAssignment
from servitize.org_types.rules import Assigned, Basis, Facts
from servitize.trust import audit
from servitize.trust.context import Context
from servitize.trust.models import User

DEFAULTS = OrgTypesSettings.model_construct()  # the documented defaults, for callers without any
MAX_ID = 2**63 - 1
# Who may sit at a sales desk: the roles that sell.
SELLER_ROLES = frozenset({"admin", "sales_manager", "account_owner", "service_manager"})


@dataclass(frozen=True)
class Served:
    """The type that serves an account on a day, and why: the assignment that matched (its
    group, start, who assigned it and their reason), or the company default."""

    account_id: int
    org_type: int
    basis: Basis
    group: str | None
    since: date | None
    assignment_id: int | None
    assigned_by: str | None
    reason: str | None

    @property
    def type_name(self) -> str:
        """The type's name in words."""
        return rules.org_type(self.org_type).name

    @property
    def is_default(self) -> bool:
        """Whether no assignment covers the account (the company default serves it)."""
        return self.basis is Basis.default

    def why(self, account_name: str | None = None) -> str:
        """``type 2 since 2026-03-01: segment 'Digital partner', assigned by Maria Schmidt``."""
        if self.is_default:
            return (
                f"type {self.org_type}: the company default (no assignment covers the account, "
                "its segment, industry or country)"
            )
        group = rules.group_words(self.basis, self.group, account_name)
        since = f" since {self.since.isoformat()}" if self.since else ""
        text = f"type {self.org_type}{since}: {group}, assigned by {self.assigned_by}"
        return f"{text} ({self.reason})" if self.reason else text


def assigned_of(row: TypeAssignment) -> Assigned:
    """A stored assignment as the rules read it."""
    return Assigned(
        id=row.id,
        basis=Basis(row.basis),
        value=row.value,
        number=row.org_type,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        by=row.assigned_by,
        reason=row.reason,
    )


def served_of(facts: Facts, chosen: Assigned | None, default_type: int) -> Served:
    """The rules' choice for an account as a ``Served``."""
    if chosen is None:
        return Served(facts.account_id, default_type, Basis.default, None, None, None, None, None)
    return Served(
        account_id=facts.account_id,
        org_type=chosen.number,
        basis=chosen.basis,
        group=chosen.value,
        since=chosen.valid_from,
        assignment_id=chosen.id,
        assigned_by=chosen.by,
        reason=chosen.reason,
    )


def types_by_account(
    session: Session,
    as_of: date | None = None,
    *,
    default_type: int = rules.DEFAULT_TYPE,
    account_ids: Collection[int] | None = None,
) -> dict[int, Served]:
    """Every account (or those given) → the type serving it on ``as_of`` (today, UTC, when
    None) and why. Precedence: account list > segment > industry > country > ``default_type``
    (pass ``ctx.settings.org_types.default_type``; the built-in default is type 1)."""
    day = as_of or datetime.now(UTC).date()
    rules.org_type(default_type)
    in_force = rules.index((assigned_of(a) for a in repo.assignments(session)), day)
    found: dict[int, Served] = {}
    for row in repo.account_facts(session, account_ids):
        facts = Facts(row.id, row.segment, row.industry, row.country)
        found[row.id] = served_of(facts, rules.choose(facts, in_force), default_type)
    return found


def governing_type(served: Served, settings: OrgTypesSettings | None) -> int | None:
    """The type whose rules apply to the account: an assigned one always, the company default
    only when the settings enforce it (off by default: quotes and routes work as before)."""
    if not served.is_default:
        return served.org_type
    s = settings or DEFAULTS
    return served.org_type if s.enforce_default else None


def served(
    session: Session, account_id: int, day: date, settings: OrgTypesSettings | None = None
) -> Served:
    """The type serving one account on ``day`` (NotFound for an unknown account)."""
    s = settings or DEFAULTS
    found = types_by_account(session, day, default_type=s.default_type, account_ids=[account_id])
    if account_id not in found:
        raise NotFound(f"account {account_id} not found")
    return found[account_id]


# --- reading: the page, the panel, the command ---------------------------------------------------


@dataclass(frozen=True)
class Explained:
    """One account's type as the 360 panel and ``org types explain`` show it."""

    account_id: int
    account_name: str
    owner: str | None
    served: Served
    governs: bool
    kind: rules.OrgType
    segment: str | None = None
    suggested: int | None = None  # the type intelligence's segment suggests

    @property
    def why(self) -> str:
        """Why this type serves the account, in words."""
        return self.served.why(self.account_name)

    def as_dict(self) -> dict[str, Any]:
        """The explanation as the API and the command print it."""
        return {
            "account_id": self.account_id,
            "account": self.account_name,
            "org_type": self.served.org_type,
            "type_name": self.kind.name,
            "basis": self.served.basis.value,
            "group": self.served.group,
            "since": self.served.since.isoformat() if self.served.since else None,
            "assignment_id": self.served.assignment_id,
            "assigned_by": self.served.assigned_by,
            "reason": self.served.reason,
            "why": self.why,
            "rules_apply": self.governs,
            "one_face": self.owner,
            "segment": self.segment,
            "suggested_type": self.suggested,
            "effects": effects(self.kind.number),
        }


def explain(ctx: Context, account_id: int) -> Explained:
    """Which type serves an account the user may see, and why (404 outside their scope)."""
    account = get_account(ctx.session, ctx.user, account_id)
    found = served(ctx.session, account.id, ctx.today, ctx.settings.org_types)
    owner = repo.user(ctx.session, account.owner_id) if account.owner_id else None
    mode = repo.suggested_mode(ctx.session, account.id)
    return Explained(
        account_id=account.id,
        account_name=account.name,
        owner=(owner.full_name or owner.username) if owner else None,
        served=found,
        governs=governing_type(found, ctx.settings.org_types) is not None,
        kind=rules.org_type(found.org_type),
        segment=mode[0] if mode else None,
        suggested=rules.MODE_TYPE.get(mode[1]) if mode else None,
    )


def effects(number: int) -> dict[str, Any]:
    """What a type decides, in words: owners per family, quotes, process, recognition, leads."""
    kind = rules.org_type(number)
    return {
        "org_type": kind.number,
        "name": kind.name,
        "summary": kind.summary,
        "organisational_form": kind.organisational_form,
        "focus": kind.focus,
        "culture": kind.culture,
        "integration": kind.integration,
        "owners": {f.value: kind.owners[f].value for f in rules.Family},
        "owners_in_words": {f.value: rules.DESK_NAMES[kind.owners[f]] for f in rules.Family},
        "one_face": "the account owner stays the customer's one face on the account and on "
        "every lead",
        "quote_rule": kind.quote_rule,
        "process_template": kind.process_template,
        "recognition": kind.recognition,
        "recognition_rules": list(kind.recognition_rules),
        "lead_routing": (
            "a lead of a family goes to the seller at the family's desk in the account's "
            "territory (or one for every territory); with none, to the account owner. Small "
            "leads for a planned visit still go to its technician."
        ),
    }


@dataclass(frozen=True)
class AssignmentRow:
    """An assignment as the page lists it."""

    row: TypeAssignment
    group: str
    in_force: bool
    serving: int = 0  # accounts it serves today (a higher-precedence one may take some)


def assignments(ctx: Context) -> list[AssignmentRow]:
    """Every assignment, newest start first, with its group in words, whether it is in force
    today and how many accounts it serves today."""
    rows = repo.assignments(ctx.session)
    s = ctx.settings.org_types
    serving: dict[int, int] = {}
    if rows:
        for x in types_by_account(ctx.session, ctx.today, default_type=s.default_type).values():
            if x.assignment_id is not None:
                serving[x.assignment_id] = serving.get(x.assignment_id, 0) + 1
    account_ids = [int(r.value) for r in rows if r.basis == Basis.account and r.value.isdigit()]
    names = repo.existing_accounts(ctx.session, account_ids) if account_ids else {}
    listed = []
    for r in reversed(rows):
        name = names.get(int(r.value)) if r.basis == Basis.account else None
        listed.append(
            AssignmentRow(
                r,
                rules.group_words(r.basis, r.value, name),
                assigned_of(r).in_force(ctx.today),
                serving.get(r.id, 0),
            )
        )
    return listed


def assignment_dict(a: AssignmentRow) -> dict[str, Any]:
    """An assignment as the API and the command print it."""
    r = a.row
    return {
        "id": r.id,
        "basis": str(r.basis),
        "value": r.value,
        "group": a.group,
        "org_type": r.org_type,
        "valid_from": r.valid_from.isoformat(),
        "valid_to": r.valid_to.isoformat() if r.valid_to else None,
        "in_force": a.in_force,
        "accounts_served": a.serving,
        "assigned_by": r.assigned_by,
        "reason": r.reason,
        "ended_by": r.ended_by,
        "end_reason": r.end_reason,
    }


def counts(ctx: Context) -> dict[int, int]:
    """How many accounts each type serves today."""
    found = dict.fromkeys(rules.TYPE_NUMBERS, 0)
    s = ctx.settings.org_types
    for x in types_by_account(ctx.session, ctx.today, default_type=s.default_type).values():
        found[x.org_type] += 1
    return found


# --- assigning ------------------------------------------------------------------------------------


def _type_number(value: object) -> int:
    try:
        return rules.org_type(int(str(value))).number
    except ValueError:
        raise InvalidInput(f"org_type: choose 1, 2, 3 or 4 (got {value!r})") from None


def _values(ctx: Context, basis: Basis, values: Sequence[str]) -> list[tuple[str, str]]:
    """The group values checked against what exists: (value, group in words)."""
    cleaned = [v.strip() for v in values if v and v.strip()]
    if not cleaned:
        field = "accounts" if basis is Basis.account else basis.value
        raise InvalidInput(f"{field}: name the {basis.value} the type is for")
    if basis is Basis.account:
        ids: list[int] = []
        for v in cleaned:
            if not v.isdigit() or int(v) > MAX_ID:
                raise InvalidInput(f"accounts: {v!r} is not an account id")
            ids.append(int(v))
        seen = repo.visible_accounts(ctx.session, ctx.user, ids)
        missing = sorted(set(ids) - set(seen))
        if missing:
            raise InvalidInput(
                "accounts: no account " + ", ".join(str(x) for x in missing) + " that you may see"
            )
        return [(str(i), rules.group_words(basis, str(i), seen[i])) for i in dict.fromkeys(ids)]
    if len(cleaned) != 1:
        raise InvalidInput(f"{basis.value}: name one {basis.value}")
    value = cleaned[0]
    if basis is Basis.segment:
        known = set(rules.KNOWN_SEGMENTS) | repo.segment_labels(ctx.session)
    elif basis is Basis.industry:
        known = repo.industries(ctx.session)
    else:
        value = value.upper()
        known = repo.countries(ctx.session) | set(ctx.settings.intelligence.segments.country_index)
    if value not in known:
        shown = ", ".join(sorted(known)[:20]) or "none yet"
        raise InvalidInput(f"{basis.value}: unknown {basis.value} {value!r}; known: {shown}")
    return [(value, rules.group_words(basis, value))]


def assign(
    ctx: Context,
    basis: str,
    values: Sequence[str],
    org_type: object,
    valid_from: date | None,
    reason: str,
) -> list[TypeAssignment]:
    """Assign a type to a customer group from a day (one assignment per account of a list),
    audited; an assignment of the same group whose period shares a day is refused (409)."""
    require(ctx.user, "org_type.assign")
    try:
        group_basis = Basis(basis)
    except ValueError:
        group_basis = Basis.default
    if group_basis not in rules.GROUP_BASES:
        raise InvalidInput("basis: choose account, segment, industry or country")
    number = _type_number(org_type)
    why = (reason or "").strip()
    if not why or len(why) > 2000:
        raise InvalidInput("reason: say why this group gets this type (up to 2000 characters)")
    start = valid_from or ctx.today
    existing = [assigned_of(a) for a in repo.assignments(ctx.session)]
    made = []
    for value, words in _values(ctx, group_basis, values):
        clash = rules.overlapping(existing, group_basis, value, start, None)
        if clash is not None:
            until = f" until {clash.valid_to.isoformat()}" if clash.valid_to else ""
            raise Conflict(
                f"valid_from: {words} already has type {clash.number} from "
                f"{clash.valid_from.isoformat()}{until} (assignment {clash.id}); end it first"
            )
        row = TypeAssignment(
            basis=group_basis.value,
            value=value,
            org_type=number,
            valid_from=start,
            valid_to=None,
            reason=why,
            assigned_by=ctx.user.full_name or ctx.user.username,
            assigned_by_id=ctx.user.id or None,
        )
        repo.add(ctx.session, row)
        audit.record(
            ctx.session,
            ctx.actor,
            "org_type.assign",
            "org_type_assignment",
            row.id,
            after={
                "basis": group_basis.value,
                "value": value,
                "org_type": number,
                "valid_from": start,
                "reason": why,
            },
            note=f"type {number} for {words}",
        )
        made.append(row)
    return made


def end(
    ctx: Context, assignment_id: int, on: date | None, reason: str | None = None
) -> TypeAssignment:
    """End an assignment: from ``on`` (today when None) it no longer applies (on its first day:
    it never applied, e.g. a planned one called off); audited."""
    require(ctx.user, "org_type.assign")
    row = repo.assignment(ctx.session, assignment_id)
    if row is None:
        raise NotFound(f"assignment {assignment_id} not found")
    day = on or ctx.today
    if row.valid_to is not None and row.valid_to <= day:
        raise Conflict(f"assignment {row.id} already ended on {row.valid_to.isoformat()}")
    if day < row.valid_from:
        raise InvalidInput(
            f"valid_to: give the start {row.valid_from.isoformat()} (it never applies) or a "
            f"later day (got {day.isoformat()})"
        )
    before = {"valid_to": row.valid_to, "ended_by": row.ended_by, "end_reason": row.end_reason}
    row.valid_to = day
    row.ended_by = ctx.user.full_name or ctx.user.username
    row.end_reason = (reason or "").strip()[:2000] or None
    repo.saved(ctx.session)
    audit.record(
        ctx.session,
        ctx.actor,
        "org_type.end",
        "org_type_assignment",
        row.id,
        before=before,
        after={"valid_to": day, "ended_by": row.ended_by, "end_reason": row.end_reason},
    )
    return row


# --- sellers per family ---------------------------------------------------------------------------


def sellers(ctx: Context) -> list[tuple[FamilySeller, User]]:
    """Who sits at which desk, by desk, territory and user."""
    return repo.sellers(ctx.session)


def seller_dict(seat: FamilySeller, user: User) -> dict[str, Any]:
    """A seat as the API and the command print it."""
    desk = rules.Desk(seat.desk)
    return {
        "id": seat.id,
        "desk": desk.value,
        "desk_name": rules.DESK_NAMES[desk],
        "user_id": user.id,
        "username": user.username,
        "name": user.full_name or user.username,
        "territory": seat.territory,
    }


def seat(ctx: Context, user: str | int, desk: str, territory: str | None) -> FamilySeller:
    """Seat a user at a desk for a territory (None: every territory); audited."""
    require(ctx.user, "org_type.sellers")
    try:
        chosen = rules.Desk(desk)
    except ValueError:
        allowed = ", ".join(d.value for d in rules.Desk)
        raise InvalidInput(f"desk: choose one of {allowed} (got {desk!r})") from None
    text = str(user).strip()
    if isinstance(user, int) or text.isdigit():
        found = repo.user(ctx.session, int(text)) if int(text) <= MAX_ID else None
    else:
        found = repo.user_by_username(ctx.session, text)
    if found is None or not found.active:
        raise InvalidInput(f"user: no active user {text!r}")
    if str(found.role) not in SELLER_ROLES:
        raise InvalidInput(
            f"user: {found.username} is a {found.role}; sellers are "
            + ", ".join(sorted(SELLER_ROLES))
        )
    where = (territory or "").strip()[:80] or None
    for other, person in repo.sellers(ctx.session):
        if person.id == found.id and other.desk == chosen and other.territory == where:
            raise Conflict(f"user: {found.username} already sits at the {chosen.value} desk here")
    row = FamilySeller(user_id=found.id, desk=chosen.value, territory=where)
    repo.add(ctx.session, row)
    audit.record(
        ctx.session,
        ctx.actor,
        "org_type.seat",
        "org_family_seller",
        row.id,
        after={"user": found.username, "desk": chosen.value, "territory": where},
    )
    return row


def unseat(ctx: Context, seat_id: int) -> None:
    """Remove a seller from a desk; audited."""
    require(ctx.user, "org_type.sellers")
    row = repo.seller(ctx.session, seat_id)
    if row is None:
        raise NotFound(f"seller {seat_id} not found")
    before = {"user_id": row.user_id, "desk": row.desk, "territory": row.territory}
    repo.remove(ctx.session, row)
    audit.record(ctx.session, ctx.actor, "org_type.unseat", "org_family_seller", seat_id, before)


# --- the hooks field, offers and sales call --------------------------------------------------------


def lead_family(
    session: Session, offering_id: int | None, offering_key: str
) -> rules.Family | None:
    """The offering family of a lead: its offering's shell, else the catalogue family its key
    names (``tech:condition_monitoring``); None when neither is known."""
    key = offering_key.split(":", 1)[1] if ":" in offering_key else offering_key
    shells = repo.offering_shells(session, offering_id, key)
    families = sorted({f for f in (rules.family_of_shell(s) for s in shells) if f is not None})
    return families[0] if families else None


def route_lead(
    session: Session,
    account_id: int,
    offering_id: int | None,
    offering_key: str,
    day: date,
    settings: OrgTypesSettings | None = None,
) -> rules.SellerChoice | None:
    """Who sells a lead under the account's type (the family's seller in the account's
    territory, else the owner, said so); None when no type's rules apply to the account or the
    lead's family is unknown: the caller routes as before."""
    found = served(session, account_id, day, settings)
    number = governing_type(found, settings)
    if number is None:
        return None
    family = lead_family(session, offering_id, offering_key)
    if family is None:
        return None
    facts = repo.account_facts(session, [account_id])[0]
    seats = [
        rules.Seller(u.id, u.full_name or u.username, rules.Desk(s.desk), s.territory)
        for s, u in repo.sellers(session)
        if u.active
    ]
    chosen = rules.seller_for(number, family, facts.territory, seats, facts.owner_id)
    owner = repo.user(session, facts.owner_id) if facts.owner_id else None
    if owner is None or chosen.user_id == owner.id:
        return chosen
    face = f"; {owner.full_name or owner.username} stays the one face"
    return rules.SellerChoice(chosen.user_id, chosen.desk, chosen.reason + face)


def quote_refusal(
    session: Session,
    account_id: int,
    lines: Sequence[rules.QuoteLine],
    day: date,
    settings: OrgTypesSettings | None = None,
) -> str | None:
    """Why a quote's lines break the structure the account's type allows (None: they do not,
    or no type's rules apply to the account)."""
    number = governing_type(served(session, account_id, day, settings), settings)
    return None if number is None else rules.quote_breaks(number, lines)


def process_template(
    session: Session, account_id: int, day: date, settings: OrgTypesSettings | None = None
) -> str | None:
    """The process template the account's type picks for a new opportunity (None: no type's
    rules apply; the caller keeps its own default)."""
    number = governing_type(served(session, account_id, day, settings), settings)
    return None if number is None else rules.org_type(number).process_template


def require_assign(ctx: Context) -> None:
    """PermissionDenied unless the user may assign types (forms ask before reading input)."""
    require(ctx.user, "org_type.assign")
