"""Row-level access: which accounts a user may see. The one place pages and API ask.

- admin, analyst: every account.
- sales_manager, service_manager: the accounts of their territory, or all without one.
- account_owner: the accounts they own; a dealer's user also those the dealer serves.
- technician: the accounts of their territory and those where they have a visit.
- customer: the accounts they were given access to (``CustomerAccount``), nothing else.
- partner: a dealer's user (``User.dealer_account_id``, set when linked to a dealer partner)
  the accounts the dealer serves and the dealer itself; any other partner's user no account:
  they see only the blueprint activities assigned to their partner (servitize.partners).
A record outside the scope answers 404, never its data.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, false, or_, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from servitize.core.errors import NotFound, PermissionDenied
from servitize.installed_base.models import Account, CustomerAccount, Visit
from servitize.trust.models import Role, User

EVERYTHING = {Role.admin.value, Role.analyst.value}
TERRITORY_MANAGERS = {Role.sales_manager.value, Role.service_manager.value}
# Who may change what they see (analysts only read); who sells and so may own accounts and
# have a twin proficiency; who leads sales: assigns owners, records proficiency.
READ_ONLY = {Role.analyst.value}
SALESPEOPLE = (Role.account_owner.value, Role.sales_manager.value)
SALES_LEADS = (Role.admin.value, Role.sales_manager.value)


class _InIds(FunctionElement[bool]):
    """``column IN (subquery)``, written so that an index can answer it next to an OR.

    PostgreSQL plans ``territory = 't7' OR id IN (SELECT ...)`` as a scan of the whole table
    (a hashed subplan is no index condition): a technician's accounts list counted 100,000
    accounts to find 5,000. ``id = ANY(ARRAY(SELECT ...))`` runs the subquery once and gives an
    array that the primary key's index takes, so both arms of the OR become one bitmap of two
    index scans. Other databases get the plain ``IN``.
    """

    inherit_cache = True
    name = "in_ids"


@compiles(_InIds)
def _in_ids(element: _InIds, compiler: SQLCompiler, **kw: Any) -> str:
    column, ids = element.clauses.clauses
    return f"{compiler.process(column, **kw)} IN {compiler.process(ids, **kw)}"


@compiles(_InIds, "postgresql")
def _in_ids_postgresql(element: _InIds, compiler: SQLCompiler, **kw: Any) -> str:
    column, ids = element.clauses.clauses
    return f"{compiler.process(column, **kw)} = ANY(ARRAY{compiler.process(ids, **kw)})"


def in_ids(column: Any, ids: ScalarSelect[Any]) -> ColumnElement[bool]:
    """``column IN (ids)`` that stays indexable beside an OR (see ``_InIds``)."""
    return _InIds(column, ids)


def account_scope(user: User) -> ColumnElement[bool]:
    """A WHERE clause on ``Account`` selecting the accounts this user may see."""
    if user.role in EVERYTHING:
        return true()
    if user.role in TERRITORY_MANAGERS:
        return true() if not user.territory else Account.territory == user.territory
    if user.role == Role.customer.value:
        return in_ids(
            Account.id,
            select(CustomerAccount.account_id)
            .where(CustomerAccount.user_id == user.id)
            .scalar_subquery(),
        )
    if user.role == Role.partner.value:
        if user.dealer_account_id is None:
            return false()
        return or_(
            Account.dealer_id == user.dealer_account_id, Account.id == user.dealer_account_id
        )
    clauses: list[ColumnElement[bool]] = []
    if user.role == Role.account_owner.value:
        clauses.append(Account.owner_id == user.id)
    if user.role == Role.technician.value:
        if user.territory:
            clauses.append(Account.territory == user.territory)
        visited = select(Visit.account_id).where(Visit.technician_id == user.id)
        clauses.append(in_ids(Account.id, visited.scalar_subquery()))
    if user.dealer_account_id is not None:
        clauses.append(Account.dealer_id == user.dealer_account_id)
        clauses.append(Account.id == user.dealer_account_id)
    return or_(*clauses) if clauses else false()


def visible_account_ids(user: User):
    """A subquery of the account ids this user may see (for tables keyed by account_id)."""
    return select(Account.id).where(account_scope(user))


def get_account(session: Session, user: User, account_id: int) -> Account:
    """The account if this user may see it; NotFound otherwise (also when it does not exist)."""
    account = session.scalar(select(Account).where(Account.id == account_id, account_scope(user)))
    if account is None:
        raise NotFound(f"account {account_id} not found")
    return account


# Who may do what: every write of a page, an API route or a CLI ``--as`` path asks ``require``
# for one named action. A cell is "yes", "own" (only on their own record: the opportunity they
# own, the visit or lead assigned to them) or "no". docs/access.md shows this table and a test
# checks that it is the same table and that every cell holds on the real routes.
YES, OWN, NO = "yes", "own", "no"
ROLES = tuple(r.value for r in Role)


def _cells(**cells: str) -> dict[str, str]:
    unknown = set(cells) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    return {role: cells.get(role, NO) for role in ROLES}


_WRITERS = {
    "admin": YES,
    "sales_manager": YES,
    "account_owner": YES,
    "technician": YES,
    "service_manager": YES,
}
_SELLERS = {"admin": YES, "sales_manager": YES, "account_owner": YES, "service_manager": YES}

# action -> (what it is, role -> cell). The analyst reads everything and writes nothing.
ACTIONS: dict[str, tuple[str, dict[str, str]]] = {
    "asset.edit": ("correct a machine's record", _cells(**_WRITERS)),
    "contact.add": ("add a contact to an account's buying centre", _cells(**_WRITERS)),
    # Managers edit the accounts of their territory (what they see), owners the accounts they own.
    "account.edit": (
        "edit an account's record (name, industry, country, territory, size, address, dealer)",
        _cells(admin=YES, sales_manager=YES, service_manager=YES, account_owner=OWN),
    ),
    # Whoever works on the account's records corrects its sites and people, technicians on site too.
    "site.edit": ("add or edit an account's sites", _cells(**_WRITERS)),
    "contact.edit": ("edit or deactivate a contact of the buying centre", _cells(**_WRITERS)),
    "consent.record": (
        "record what an account agreed to share with us (telemetry consent)",
        _cells(**(_SELLERS)),
    ),
    # The customer's own agreements, in the portal (only their accounts: 404 on any other).
    "consent.self_service": (
        "grant, narrow or revoke what the customer's own accounts share (portal)",
        _cells(customer=YES),
    ),
    "account.assign_owner": (
        "hand an account to another owner",
        _cells(admin=YES, sales_manager=YES),
    ),
    "lead.report": ("report a lead seen on site", _cells(**_WRITERS)),
    "lead.act": (
        "move a routed lead's clock (confirm, act, propose, win, lose, dismiss)",
        _cells(**(_SELLERS | {"technician": OWN})),
    ),
    "lead.dismiss": ("dismiss a lead from the lead list", _cells(**_SELLERS)),
    "proficiency.record": (
        "record a salesperson's digital-twin proficiency",
        _cells(admin=YES, sales_manager=YES),
    ),
    "visit.plan": ("plan a visit", _cells(admin=YES, service_manager=YES, technician=OWN)),
    # Never by the technician who did the visit: a good rating earns them points.
    "visit.feedback": (
        "record the customer's rating of a visit (never the visit's technician)",
        _cells(**_SELLERS),
    ),
    "sheet.prepare": (
        "propose, change or cancel a sign-up sheet",
        _cells(**(_SELLERS | {"technician": OWN})),
    ),
    "sheet.sign": (
        "record the customer's signature on a sheet (creates orders)",
        _cells(**(_SELLERS | {"technician": OWN, "customer": YES})),
    ),
    "contest.create": (
        "set a monthly contest",
        _cells(admin=YES, sales_manager=YES, service_manager=YES),
    ),
    "practice.share": ("share a best-practice note", _cells(**_WRITERS)),
    "opportunity.create": ("open an opportunity", _cells(**_SELLERS)),
    "opportunity.edit": ("change an opportunity's value, terms, dates, owner", _cells(**_SELLERS)),
    "opportunity.advance": ("move an opportunity to its next phase", _cells(**_SELLERS)),
    "opportunity.activity": ("add or tick an opportunity's activities", _cells(**_SELLERS)),
    "opportunity.team": ("nominate an opportunity's team", _cells(**_SELLERS)),
    "opportunity.handover": ("tick the handover to the project office", _cells(**_SELLERS)),
    "opportunity.outcome": ("mark an opportunity won, lost or no bid", _cells(**_SELLERS)),
    "opportunity.survey": ("send a satisfaction survey", _cells(**_SELLERS)),
    "gate.pursue": (
        "decide the pursue gate (owner or sales manager)",
        _cells(sales_manager=YES, account_owner=OWN, service_manager=OWN),
    ),
    "gate.tender": (
        "decide the tender gate (owner or sales manager)",
        _cells(sales_manager=YES, account_owner=OWN, service_manager=OWN),
    ),
    "gate.approval": (
        "decide management approval (a sales manager who does not own it)",
        _cells(sales_manager=YES),
    ),
    "gate.acceptance": (
        "decide the acceptance test (the project side)",
        _cells(service_manager=YES),
    ),
    "gate.reopen": ("reopen an opportunity closed by a no-go", _cells(sales_manager=YES)),
    "quote.create": ("start a quote for an account", _cells(**_SELLERS)),
    "quote.edit": (
        "change a quote's lines, submit, send or revise it",
        _cells(admin=YES, sales_manager=YES, account_owner=OWN, service_manager=OWN),
    ),
    # Never by the quote's owner (a sales manager's own quote goes to another manager or admin).
    "quote.approve": (
        "approve a quote (discount, margin, value, terms outside the borderline)",
        _cells(admin=YES, sales_manager=YES),
    ),
    # A customer accepts in the portal, for their own accounts only (the portal's scope).
    "quote.accept": (
        "record the customer's acceptance of a quote (creates orders and contracts)",
        _cells(admin=YES, sales_manager=YES, account_owner=OWN, service_manager=OWN, customer=YES),
    ),
    "contract.change": (
        "amend, suspend, resume, cancel, renew or index a contract",
        _cells(admin=YES, sales_manager=YES, service_manager=YES),
    ),
    "contract.create": (
        "create an availability contract for an account (target, fee, bands)",
        _cells(admin=YES, sales_manager=YES, service_manager=YES),
    ),
    "billing.run": ("run billing for a month, or close a billed month", _cells(admin=YES)),
    # Account owners see the measures of the accounts they own; technicians see none.
    "kpis.view": (
        "see the measures of the sales organisation (CAC, CLV, MRR, the scorecard)",
        _cells(admin=YES, sales_manager=YES, service_manager=YES, analyst=YES, account_owner=OWN),
    ),
    "effort.record": (
        "record hours spent on an activity, a visit or a lead",
        _cells(**_WRITERS),
    ),
    "spend.record": (
        "record or import campaign, trade fair and commission spend, and cost rates",
        _cells(admin=YES, sales_manager=YES),
    ),
    "value_case.create": ("open a value case for an account's machines", _cells(**_SELLERS)),
    "value_case.edit": ("change a value case's assumptions", _cells(**_SELLERS)),
    # The network-thinking lab: everyone reads; the sales organisation's people score on their
    # own; the head of sales (or an admin) makes models and records the consensus.
    "network.score": (
        "score a network model's influence matrix (your own scoring)",
        _cells(**_SELLERS),
    ),
    "network.edit": (
        "make a network model, import one, record the consensus as a new version",
        _cells(admin=YES, sales_manager=YES),
    ),
    # The four organisation types: the head of sales (or an admin) decides which type serves
    # which customer group and who sits at which sales desk; everyone reads.
    "org_type.assign": (
        "assign an organisation type to a customer group, or end an assignment",
        _cells(admin=YES, sales_manager=YES),
    ),
    "org_type.sellers": (
        "seat a seller at a sales desk (who sells which offering family), or remove one",
        _cells(admin=YES, sales_manager=YES),
    ),
    # The customer portal: staff invite a customer's people and answer what they raise; the
    # customer's own writes are theirs alone (the portal shows only their accounts).
    "portal.invite": (
        "invite a customer's person to the portal of an account, or end their access",
        _cells(admin=YES, sales_manager=YES, service_manager=YES, account_owner=OWN),
    ),
    "portal.dispute": ("dispute how a downtime period was classified", _cells(customer=YES)),
    "dispute.answer": (
        "answer a customer's downtime dispute (upheld: the period is reclassified)",
        _cells(admin=YES, service_manager=YES),
    ),
    "portal.quote_changes": ("ask for changes to a quote", _cells(customer=YES)),
    "portal.request": ("ask for service for a machine (a service request)", _cells(customer=YES)),
    "request.handle": (
        "turn a customer's service request into a lead or a work order, or close it",
        _cells(admin=YES, sales_manager=YES, service_manager=YES, account_owner=OWN),
    ),
    # Partners and competitors (servitize.partners). A partner's user ticks only the activities
    # assigned to their own partner, and only once the blueprint has reached them.
    "partner.manage": (
        "add and change partners and dealers, link a partner's users",
        _cells(admin=YES, sales_manager=YES),
    ),
    "partner.assign": (
        "assign an opportunity's blueprint activity to a partner",
        _cells(**_SELLERS),
    ),
    "activity.partner_done": (
        "tick done a blueprint activity assigned to one's partner",
        _cells(partner=OWN),
    ),
    "competitor.manage": (
        "add and change competitors of the master: type, products, aliases",
        _cells(admin=YES, sales_manager=YES),
    ),
    "competitor.record": (
        "record a competitor's action, an opportunity's competitors, read alerts",
        _cells(**_WRITERS),
    ),
    # Service work: everyone who works with customers opens work; a technician updates only the
    # work assigned to them; the service manager (or an admin) schedules it and keeps the plans.
    "work.create": (
        "open a work order (by hand, from a visit, a lead, or the machine alerts)",
        _cells(**_WRITERS),
    ),
    "work.update": (
        "change a work order: status, checklist, notes, hours, parts, photos",
        _cells(admin=YES, service_manager=YES, technician=OWN),
    ),
    "work.schedule": (
        "schedule work on the dispatch board, dispatch sold sheet lines, keep skills",
        _cells(admin=YES, service_manager=YES),
    ),
    "pm_plan.edit": (
        "make, pause or run preventive-maintenance plans",
        _cells(admin=YES, service_manager=YES),
    ),
    # trust sits below this table: its edges ask trust.admin.require_admin, the same cells.
    "user.manage": (
        "list and change users: role, territory, deactivate, reset a password, their API tokens",
        _cells(admin=YES),
    ),
    "audit.read": ("read and export the audit trail", _cells(admin=YES)),
}


def may(user: User, action: str, own: bool = False) -> bool:
    """Whether this user may do the named action (``own``: the record is theirs)."""
    cell = ACTIONS[action][1].get(str(user.role), NO)
    return cell == YES or (cell == OWN and own)


def require(user: User, action: str, own: bool = False) -> None:
    """PermissionDenied (403) unless the user may do the named action; the one place asked."""
    if may(user, action, own):
        return
    what, cells = ACTIONS[action]
    if cells.get(str(user.role), NO) == OWN:
        raise PermissionDenied(f"the role {user.role} may {what} only on their own record")
    allowed = [r for r in ROLES if cells[r] != NO]
    raise PermissionDenied(
        f"the role {user.role} may not {what}; that is for: {', '.join(allowed)}"
    )


def access_table() -> str:
    """The table of role × action in Markdown, as docs/access.md shows it."""
    mark = {YES: "yes", OWN: "own", NO: "—"}
    lines = [
        "| action | what | " + " | ".join(ROLES) + " |",
        "| --- | --- |" + " --- |" * len(ROLES),
    ]
    for action, (what, cells) in ACTIONS.items():
        lines.append(f"| `{action}` | {what} | " + " | ".join(mark[cells[r]] for r in ROLES) + " |")
    return "\n".join(lines)
