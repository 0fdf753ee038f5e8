"""Work orders as live objects: open one (by hand, from a visit, a lead, a signed sheet line, a
customer request or a machine alert), move its status, tick its checklist, log notes, hours,
parts and photos; done, it writes the machine's history (a ``ServiceEvent``).

Every use case takes a ``Context``; the edge owns the transaction. Opening asks ``work.create``,
changing a work order ``work.update`` (a technician: only work assigned to them); scheduling
lives in ``dispatch`` and asks ``work.schedule`` (installed_base.access, docs/access.md).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from servitize.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from servitize.installed_base.access import may, require
from servitize.installed_base.models import Asset, Offering, ServiceEvent, ServiceKind
from servitize.kit.pagination import PageParams
from servitize.service_work import repository as repo
from servitize.service_work import rules
from servitize.service_work.models import EntryKind, WorkEntry, WorkOrder, WorkSource
from servitize.trust import audit
from servitize.trust.context import Context
from servitize.trust.models import Role, User

KINDS = tuple(k.value for k in ServiceKind)
PHOTO_FOLDER = "work_photos"
MAX_CHECKLIST = 40


def audit_fields(w: WorkOrder) -> dict[str, Any]:
    return {
        "status": w.status,
        "technician_id": w.technician_id,
        "visit_id": w.visit_id,
        "title": w.title,
        "source": w.source,
        "account_id": w.account_id,
        "asset_id": w.asset_id,
        "due_on": w.due_on,
    }


def _checklist(items: list[str] | None) -> list[dict[str, Any]]:
    clean = [i.strip()[:200] for i in items or [] if i and i.strip()]
    if len(clean) > MAX_CHECKLIST:
        raise InvalidInput(f"checklist: at most {MAX_CHECKLIST} items")
    return [{"item": i, "done": False} for i in clean]


OUTSIDE = (Role.customer.value, Role.partner.value)


def staff_only(user: User) -> None:
    """403 for the outside roles (customer, partner): work orders, the board and the plans are
    the service organisation's (a customer follows their requests in the portal)."""
    if user.role in OUTSIDE:
        raise PermissionDenied(f"the role {user.role} does not see the service organisation's work")


def get(ctx: Context, work_order_id: int) -> WorkOrder:
    """A work order the user may see; NotFound otherwise."""
    staff_only(ctx.user)
    found = repo.visible_work_order(ctx.session, ctx.user, work_order_id)
    if found is None:
        raise NotFound(f"work order {work_order_id} not found")
    return found


def is_theirs(user: User, w: WorkOrder) -> bool:
    """Whether the work order is assigned to this user (a technician's own work)."""
    return w.technician_id is not None and w.technician_id == user.id


def may_update(user: User, w: WorkOrder) -> bool:
    """Whether the user may change this work order (pages show their forms only then)."""
    return may(user, "work.update", own=is_theirs(user, w))


def _asset_of(ctx: Context, account_id: int, asset_id: int | None) -> Asset | None:
    if asset_id is None:
        return None
    asset = repo.asset(ctx.session, asset_id)
    if asset is None or asset.account_id != account_id:
        raise InvalidInput(f"asset_id: machine {asset_id} is not one of the account's machines")
    return asset


@dataclass
class Opening:
    """What a new work order is: where, what, why, and what it asks of the technician."""

    account_id: int
    title: str
    source: str = WorkSource.manual.value
    asset_id: int | None = None
    description: str | None = None
    kind: str = "repair"
    required_skill: str | None = None
    due_on: date | None = None
    checklist: list[str] = field(default_factory=list)
    visit_id: int | None = None
    lead_id: int | None = None
    sign_up_line_id: int | None = None
    request_ref: str | None = None
    alert_rule: str | None = None
    pm_plan_id: int | None = None
    technician_id: int | None = None
    site_id: int | None = None


def _open(ctx: Context, o: Opening, asset: Asset | None = None) -> WorkOrder:
    """Store a new work order and its audit entry (no access check: the callers ask)."""
    title = o.title.strip()
    if not title:
        raise InvalidInput("title: say what is to be done")
    if o.kind not in KINDS:
        raise InvalidInput(f"kind: one of {', '.join(KINDS)}, not {o.kind!r}")
    w = WorkOrder(
        account_id=o.account_id,
        asset_id=o.asset_id,
        site_id=o.site_id if o.site_id is not None else (asset.site_id if asset else None),
        title=title[:200],
        description=(o.description or "").strip() or None,
        kind=o.kind,
        source=o.source,
        status=rules.NEW,
        required_skill=(o.required_skill or "").strip().lower() or None,
        technician_id=o.technician_id,
        visit_id=o.visit_id,
        lead_id=o.lead_id,
        sign_up_line_id=o.sign_up_line_id,
        request_ref=o.request_ref,
        alert_rule=o.alert_rule,
        pm_plan_id=o.pm_plan_id,
        due_on=o.due_on,
        checklist=_checklist(o.checklist),
        created_by=ctx.actor.name,
    )
    if o.visit_id is not None:
        w.status = rules.SCHEDULED
    repo.add(ctx.session, w)
    audit.record(ctx.session, ctx.actor, "create", "work_order", w.id, after=audit_fields(w))
    return w


def create(ctx: Context, o: Opening) -> WorkOrder:
    """Open a work order by hand, or from a visit or a lead (``o.visit_id``, ``o.lead_id``)."""
    require(ctx.user, "work.create")
    if repo.account(ctx.session, ctx.user, o.account_id) is None:
        raise NotFound(f"account {o.account_id} not found")
    asset = _asset_of(ctx, o.account_id, o.asset_id)
    if o.visit_id is not None:
        return open_from_visit(ctx, o.visit_id, o)
    if o.lead_id is not None:
        return open_from_lead(ctx, o.lead_id, o)
    o.source = WorkSource.manual.value
    if ctx.user.role == Role.technician.value:
        o.technician_id = ctx.user.id  # work a technician opens on site is theirs to update
    return _open(ctx, o, asset)


def open_from_visit(ctx: Context, visit_id: int, o: Opening | None = None) -> WorkOrder:
    """The work of a planned visit: scheduled already, in the visit's slot, by its technician."""
    require(ctx.user, "work.create")
    visit = repo.visible_visit(ctx.session, ctx.user, visit_id)
    if visit is None:
        raise NotFound(f"visit {visit_id} not found")
    if repo.of_visit(ctx.session, visit_id) is not None:
        raise Conflict(f"visit_id: visit {visit_id} has its work order already")
    o = o or Opening(account_id=visit.account_id, title=f"{visit.job_type.title()} visit")
    if o.account_id != visit.account_id:
        raise InvalidInput("account_id: the visit is at another account")
    asset = _asset_of(ctx, visit.account_id, o.asset_id)
    o.source, o.visit_id, o.technician_id = WorkSource.visit.value, visit.id, visit.technician_id
    o.site_id = visit.site_id
    if o.kind == "repair" and visit.job_type in KINDS:
        o.kind = visit.job_type
    return _open(ctx, o, asset)


def open_from_lead(ctx: Context, lead_id: int, o: Opening | None = None) -> WorkOrder:
    """The work a lead asks for (the first of its machines when it names some)."""
    require(ctx.user, "work.create")
    lead = repo.visible_lead(ctx.session, ctx.user, lead_id)
    if lead is None:
        raise NotFound(f"lead {lead_id} not found")
    o = o or Opening(account_id=lead.account_id, title=lead.story[:200] or "Work from a lead")
    if o.account_id != lead.account_id:
        raise InvalidInput("account_id: the lead is of another account")
    if o.asset_id is None and lead.asset_ids:
        o.asset_id = int(lead.asset_ids[0])
    asset = _asset_of(ctx, lead.account_id, o.asset_id)
    o.source, o.lead_id = WorkSource.lead.value, lead.id
    o.description = o.description or lead.story
    return _open(ctx, o, asset)


def open_from_sign_up(ctx: Context, line_id: int) -> WorkOrder:
    """The work order of a signed sheet line (sold work to dispatch); the same one again when
    it exists already."""
    existing = repo.of_sign_up_line(ctx.session, line_id)
    if existing is not None:
        return existing
    sold = repo.sold_lines(ctx.session, ctx.user, limit=1, line_id=line_id)
    if not sold:
        raise NotFound(f"signed sheet line {line_id} not found")
    line = sold[0]
    kind = "installation" if line.shell in ("product", "spare_parts") else "maintenance"
    return _open(
        ctx,
        Opening(
            account_id=line.account_id,
            title=line.offering,
            description=f"Sold on sign-up sheet {line.sheet_id}: {line.reason}",
            kind=kind,
            source=WorkSource.sign_up.value,
            sign_up_line_id=line.line_id,
        ),
    )


def open_from_request(
    ctx: Context,
    account_id: int,
    title: str,
    description: str | None = None,
    asset_id: int | None = None,
    request_ref: str | None = None,
) -> WorkOrder:
    """A customer's service request becomes a work order (the portal calls this after its own
    access check: a customer's user may ask for work on an account they were given). The same
    ``request_ref`` twice gives the same work order."""
    if request_ref:
        existing = repo.of_request(ctx.session, request_ref[:80])
        if existing is not None:
            return existing
    if repo.account(ctx.session, ctx.user, account_id) is None:
        raise NotFound(f"account {account_id} not found")
    asset = _asset_of(ctx, account_id, asset_id)
    return _open(
        ctx,
        Opening(
            account_id=account_id,
            title=title,
            description=description,
            asset_id=asset_id,
            source=WorkSource.request.value,
            request_ref=(request_ref or "")[:80] or None,
        ),
        asset,
    )


def open_planned(ctx: Context, o: Opening, asset: Asset | None) -> WorkOrder:
    """A plan's or an alert's work order (the plan run and the alert scan asked their action)."""
    return _open(ctx, o, asset)


# ---- status ------------------------------------------------------------------------------------


def _require_update(ctx: Context, w: WorkOrder) -> None:
    require(ctx.user, "work.update", own=is_theirs(ctx.user, w))


def _log(
    ctx: Context, w: WorkOrder, kind: str, client_key: str | None = None, **values: Any
) -> WorkEntry:
    entry = WorkEntry(
        work_order_id=w.id,
        kind=kind,
        by=ctx.actor.name,
        at=ctx.now,
        client_key=client_key,
        **values,
    )
    repo.add(ctx.session, entry)
    return entry


def _already_sent(ctx: Context, w: WorkOrder, client_key: str | None) -> WorkEntry | None:
    if not client_key:
        return None
    found = repo.entry_with_key(ctx.session, client_key)
    if found is not None and found.work_order_id != w.id:
        raise Conflict("client_key: already used for another work order")
    return found


def move(
    ctx: Context,
    work_order_id: int,
    target: str,
    note: str | None = None,
    client_key: str | None = None,
) -> WorkOrder:
    """Move a work order's status (``rules.MOVES``; 409 otherwise); done writes its history."""
    w = get(ctx, work_order_id)
    _require_update(ctx, w)
    if _already_sent(ctx, w, client_key) is not None:
        return w  # the phone sent this move before and did not hear the answer
    if target == rules.SCHEDULED and w.visit_id is None:
        raise Conflict("status: schedule the work order on the dispatch board (a slot is needed)")
    rules.check_move(w.status, target)
    before = audit_fields(w)
    w.status = target
    if target == rules.IN_PROGRESS and w.started_at is None:
        w.started_at = ctx.now
    if target == rules.NEW:
        free_slot(ctx, w)
    if target == rules.DONE:
        w.completed_at = ctx.now
        w.service_event_id = _write_history(ctx, w)
    repo.saved(ctx.session)
    text = f"{rules.LABELS[before['status']]} → {rules.LABELS[target]}"
    _log(ctx, w, EntryKind.status.value, client_key, text=text + (f": {note}" if note else ""))
    audit.record(
        ctx.session, ctx.actor, "status", "work_order", w.id, before, audit_fields(w), note
    )
    return w


def free_slot(ctx: Context, w: WorkOrder) -> None:
    """Take a work order off the board: its slot (a visit the board made) goes, unless
    something was recorded on it (a sheet, a lead); a planned visit it came from stays."""
    visit = repo.visit(ctx.session, w.visit_id) if w.visit_id is not None else None
    w.visit_id, w.technician_id = None, None
    repo.saved(ctx.session)
    if visit is not None and visit.external_id == w.record_key:
        repo.remove_unless_used(ctx.session, visit)


@dataclass(frozen=True)
class Usage:
    """The hours and parts logged on a work order."""

    hours: float
    parts: list[tuple[Offering, float]]

    def parts_cost(self) -> tuple[int, str | None]:
        """Cents of the parts at list price, in the first part's currency (parts in another
        currency are left out of the sum and named in the history's description)."""
        if not self.parts:
            return 0, None
        currency = self.parts[0][0].currency
        cents = sum(round(o.list_price_cents * q) for o, q in self.parts if o.currency == currency)
        return cents, currency


def usage(ctx: Context, w: WorkOrder) -> Usage:
    """Hours and parts logged on a work order."""
    entries = repo.entries_of(ctx.session, w.id)
    hours = sum(e.hours or 0.0 for e in entries if e.kind == EntryKind.time.value)
    parts: list[tuple[Offering, float]] = []
    for e in entries:
        if e.kind == EntryKind.part.value and e.offering_id is not None:
            o = repo.offering(ctx.session, e.offering_id)
            if o is not None:
                parts.append((o, e.quantity or 1.0))
    return Usage(round(hours, 2), parts)


def _write_history(ctx: Context, w: WorkOrder) -> int | None:
    """The ``ServiceEvent`` of a finished work order on a machine (the one truth of work done
    on it); None for work without a machine."""
    if w.asset_id is None:
        return None
    used = usage(ctx, w)
    cents, currency = used.parts_cost()
    notes = [e.text for e in repo.entries_of(ctx.session, w.id) if e.kind == "note" and e.text]
    other = [o.name for o, _q in used.parts if currency and o.currency != currency]
    description = "; ".join(
        [f"{w.number}: {w.title}", *notes[-3:]]
        + ([f"parts in other currencies: {', '.join(other)}"] if other else [])
    )
    event = ServiceEvent(
        external_id=w.record_key,
        asset_id=w.asset_id,
        account_id=w.account_id,
        day=ctx.today,
        kind=w.kind if w.kind in KINDS else "repair",
        parts_cost_cents=cents,
        currency=currency or ctx.settings.company_currency,
        labour_hours=used.hours,
        downtime_hours=0.0,
        technician_id=w.technician_id,
        description=description[:2000],
    )
    repo.add(ctx.session, event)
    return event.id


# ---- checklist and log --------------------------------------------------------------------------


def _writable(ctx: Context, work_order_id: int) -> WorkOrder:
    w = get(ctx, work_order_id)
    _require_update(ctx, w)
    if not rules.is_open(w.status):
        raise Conflict(f"status: the work order is {rules.LABELS[w.status]}; it takes no changes")
    return w


def tick(ctx: Context, work_order_id: int, index: int, done: bool) -> WorkOrder:
    """Tick (or untick) one checklist item."""
    w = _writable(ctx, work_order_id)
    items = [dict(i) for i in w.checklist or []]
    if not 0 <= index < len(items):
        raise InvalidInput(f"index: the checklist has {len(items)} items (0 to {len(items) - 1})")
    items[index]["done"] = bool(done)
    w.checklist = items  # a new list: the JSON column sees the change
    repo.saved(ctx.session)
    return w


def add_checklist_item(ctx: Context, work_order_id: int, item: str) -> WorkOrder:
    """Add an item to the checklist."""
    w = _writable(ctx, work_order_id)
    items = [dict(i) for i in w.checklist or []] + _checklist([item])
    if len(items) > MAX_CHECKLIST:
        raise InvalidInput(f"item: the checklist holds at most {MAX_CHECKLIST} items")
    w.checklist = items
    repo.saved(ctx.session)
    return w


@dataclass
class LogLine:
    """A note, hours worked or a part used, as the phone or the API sends it."""

    kind: str
    text: str | None = None
    hours: float | None = None
    offering_id: int | None = None
    quantity: float | None = None
    client_key: str | None = None


def log(ctx: Context, work_order_id: int, line: LogLine) -> WorkEntry:
    """Add a note, hours or a part to a work order's log (a resent ``client_key``: the same
    line, not a second one)."""
    w = _writable(ctx, work_order_id)
    sent = _already_sent(ctx, w, line.client_key)
    if sent is not None:
        return sent
    if line.kind == EntryKind.note.value:
        text = (line.text or "").strip()
        if not text:
            raise InvalidInput("text: the note is empty")
        return _log(ctx, w, line.kind, line.client_key, text=text[:4000])
    if line.kind == EntryKind.time.value:
        if line.hours is None or not 0 < line.hours <= 24:
            raise InvalidInput("hours: more than 0 and at most 24")
        return _log(
            ctx, w, line.kind, line.client_key, hours=round(line.hours, 2), text=line.text or None
        )
    if line.kind == EntryKind.part.value:
        part = repo.offering(ctx.session, line.offering_id) if line.offering_id else None
        if part is None or part.shell != "spare_parts":
            raise InvalidInput("offering_id: a spare part of the catalogue")
        quantity = 1.0 if line.quantity is None else line.quantity
        if not 0 < quantity <= 10_000:
            raise InvalidInput("quantity: more than 0 and at most 10,000")
        return _log(
            ctx,
            w,
            line.kind,
            line.client_key,
            offering_id=part.id,
            quantity=quantity,
            text=part.name,
        )
    raise InvalidInput("kind: note, time or part")


def photo_dir(ctx: Context) -> Path:
    """Where work-order photos are kept: under the configured data directory."""
    return Path(ctx.settings.data_dir) / PHOTO_FOLDER


def add_photo(
    ctx: Context,
    work_order_id: int,
    content_type: str,
    data: bytes,
    caption: str | None = None,
    client_key: str | None = None,
) -> WorkEntry:
    """Keep a photo of the work (type and size checked) under the data directory."""
    w = _writable(ctx, work_order_id)
    sent = _already_sent(ctx, w, client_key)
    if sent is not None:
        return sent
    s = ctx.settings.work
    ext = rules.check_photo(content_type, data, s.photo_types, s.photo_max_bytes)
    name = f"{w.id}/{uuid.uuid4().hex}.{ext}"
    target = photo_dir(ctx) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return _log(
        ctx,
        w,
        EntryKind.photo.value,
        client_key,
        photo_path=name,
        content_type=content_type,
        size_bytes=len(data),
        text=(caption or "").strip()[:500] or None,
    )


def photo(ctx: Context, work_order_id: int, entry_id: int) -> tuple[Path, str]:
    """A photo's file and type, for a user who may see the work order."""
    w = get(ctx, work_order_id)
    e = repo.entry(ctx.session, w.id, entry_id)
    if e is None or e.kind != EntryKind.photo.value or not e.photo_path:
        raise NotFound(f"photo {entry_id} not found")
    root = photo_dir(ctx).resolve()
    path = (root / e.photo_path).resolve()
    if root not in path.parents or not path.is_file():
        raise NotFound(f"photo {entry_id} not found")
    return path, e.content_type or "application/octet-stream"


# ---- reading ------------------------------------------------------------------------------------


def page(
    ctx: Context, f: repo.Filters, page_no: int = 1, size: int = 50
) -> tuple[list[WorkOrder], int]:
    """One page of the work list."""
    staff_only(ctx.user)
    if f.status and f.status != "open" and f.status not in rules.STATUSES:
        raise InvalidInput(f"status: open or one of {', '.join(rules.STATUSES)}")
    return repo.work_orders_page(ctx.session, ctx.user, f, PageParams(page_no, size))


def export(ctx: Context, f: repo.Filters, limit: int = 10_000) -> list[WorkOrder]:
    """Every listed work order (the CSV)."""
    staff_only(ctx.user)
    if f.status and f.status != "open" and f.status not in rules.STATUSES:
        raise InvalidInput(f"status: open or one of {', '.join(rules.STATUSES)}")
    return repo.all_work_orders(ctx.session, ctx.user, f, limit)


@dataclass(frozen=True)
class Names:
    """Names of the accounts, machines and people a list of work orders mentions."""

    accounts: dict[int, str]
    assets: dict[int, Asset]
    users: dict[int, User]

    def account(self, w: WorkOrder) -> str:
        return self.accounts.get(w.account_id, f"account {w.account_id}")

    def machine(self, w: WorkOrder) -> str:
        a = self.assets.get(w.asset_id) if w.asset_id else None
        if a is None:
            return ""
        return " ".join(p for p in (a.model, a.serial) if p) or f"machine {a.id}"

    def technician(self, w: WorkOrder) -> str:
        u = self.users.get(w.technician_id) if w.technician_id else None
        return (u.full_name or u.username) if u else ""


def names(ctx: Context, orders: list[WorkOrder]) -> Names:
    """The names a list of work orders shows."""
    return Names(
        repo.account_names(ctx.session, {w.account_id for w in orders}),
        repo.assets_by_id(ctx.session, {w.asset_id for w in orders if w.asset_id}),
        repo.users_by_id(ctx.session, {w.technician_id for w in orders if w.technician_id}),
    )


def as_dict(w: WorkOrder, n: Names | None = None, slot: Any = None) -> dict[str, Any]:
    """A work order as the API and the command print it."""
    out: dict[str, Any] = {
        "id": w.id,
        "number": w.number,
        "title": w.title,
        "description": w.description,
        "status": w.status,
        "source": w.source,
        "kind": w.kind,
        "account_id": w.account_id,
        "asset_id": w.asset_id,
        "site_id": w.site_id,
        "technician_id": w.technician_id,
        "visit_id": w.visit_id,
        "lead_id": w.lead_id,
        "sign_up_line_id": w.sign_up_line_id,
        "request_ref": w.request_ref,
        "alert_rule": w.alert_rule,
        "pm_plan_id": w.pm_plan_id,
        "required_skill": w.required_skill,
        "due_on": w.due_on.isoformat() if w.due_on else None,
        "checklist": list(w.checklist or []),
        "service_event_id": w.service_event_id,
        "created_by": w.created_by,
    }
    if n is not None:
        out |= {"account": n.account(w), "machine": n.machine(w), "technician": n.technician(w)}
    if slot is not None:
        out["slot"] = slot
    return out


def entry_dict(e: WorkEntry) -> dict[str, Any]:
    """A log line as the API prints it."""
    return {
        "id": e.id,
        "kind": e.kind,
        "text": e.text,
        "hours": e.hours,
        "offering_id": e.offering_id,
        "quantity": e.quantity,
        "photo": f"/work/{e.work_order_id}/photos/{e.id}" if e.kind == "photo" else None,
        "by": e.by,
        "at": e.at.isoformat() if e.at else None,
    }


def entries(ctx: Context, w: WorkOrder) -> list[WorkEntry]:
    """A work order's log."""
    return repo.entries_of(ctx.session, w.id)


def spare_parts(ctx: Context) -> list[Offering]:
    """The parts a technician may book."""
    return repo.spare_parts(ctx.session)


def my_open_work(ctx: Context) -> list[WorkOrder]:
    """The user's own open work orders (a technician's phone)."""
    staff_only(ctx.user)
    return repo.my_open_work(ctx.session, ctx.user.id)


def account_choices(ctx: Context) -> list[tuple[int, str]]:
    """(id, name) of the accounts the user may open work for (the forms' customer list)."""
    return repo.account_choices(ctx.session, ctx.user)


def account_names_of(ctx: Context, ids: set[int]) -> dict[int, str]:
    """Account names by id."""
    return repo.account_names(ctx.session, ids)
