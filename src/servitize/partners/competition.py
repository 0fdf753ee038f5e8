"""Use cases of the competitor master: competitors by type, the installed base each holds (the
competitors' machines of installed_base, matched by the name they carry), observed actions,
win/loss, an opportunity's competitors with a SWOT line each, the account 360's panel, and an
alert when a competitor appears at an account where it was not before.

Where a competitor is known at an account ("present"): its machines there, the account's old
free-text competitor records (installed_base's competitor_presence) naming it, an action
observed there, or an opportunity of the account naming it. Each (competitor, account) pair is
remembered the first time (``CompetitorSighting``); a pair found later raises an alert, on
recording an action or an opportunity's competitor at once, and for machines and free-text
records when ``scan`` runs (``servitize competitors scan`` after an import, the button on the
alerts page, the demo build). Adding a competitor or an alias remembers what it already holds
without alerts: that is a new name for old facts, not an appearance.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from servitize.core.errors import InvalidInput, NotFound
from servitize.installed_base.access import may, require
from servitize.partners import repository as repo
from servitize.partners import rules
from servitize.partners.models import (
    Competitor,
    CompetitorAction,
    CompetitorAlert,
    CompetitorSighting,
    CompetitorType,
    OpportunityCompetitor,
)
from servitize.partners.rules import Named, Share, WinLoss
from servitize.partners.schemas import ActionIn, CompetitorIn, OpportunityCompetitorIn
from servitize.partners.service import staff_only
from servitize.sales import repository as sales_repo
from servitize.trust import audit
from servitize.trust.context import Context

TYPE_WORDS = {
    CompetitorType.machine_manufacturer: "Machine manufacturer",
    CompetitorType.diversified_technology_firm: "Diversified technology firm",
    CompetitorType.service_start_up: "Service start-up",
    CompetitorType.own_service_organisation: "The customer's own service organisation",
}
VIA_WORDS = {
    "machines": "machines in its installed base",
    "records": "a competitor record of the account",
    "action": "an observed action",
    "opportunity": "named in an opportunity",
}
RECENT_DAYS = 365
PANEL_ACTIONS = 5
SWOT = ("strengths", "weaknesses", "opportunities", "threats")


def _named(competitors: list[Competitor]) -> list[Named]:
    return [Named(c.id, c.name, list(c.aliases or [])) for c in competitors]


@dataclass
class Presence:
    """Where competitors are: machines per (competitor, account), all machines per account,
    free-text names no competitor answers to, and how each pair is known."""

    machines: dict[tuple[int, int], int] = field(default_factory=dict)
    totals: dict[int, int] = field(default_factory=dict)
    how: dict[tuple[int, int], str] = field(default_factory=dict)
    unmatched: dict[str, int] = field(default_factory=dict)

    def held(self, competitor_id: int) -> int:
        """Machines the competitor holds over all accounts read."""
        return sum(n for (c, _a), n in self.machines.items() if c == competitor_id)


def presence(ctx: Context, account_id: int | None = None, everything: bool = False) -> Presence:
    """Where the competitors of the master are, over the accounts the user may see (or all
    accounts for ``everything``: the alert scan), or at one account."""
    session = ctx.session
    visible = repo.all_ids() if everything else repo.visible_ids(ctx.user)
    index = rules.name_index(_named(repo.competitors(session)))
    found = Presence(totals=repo.machines_by_account(session, visible, account_id))
    for account, competitor, manufacturer, count in repo.competitor_machines(
        session, visible, account_id
    ):
        cid = rules.match(index, competitor, manufacturer)
        if cid is None:
            name = (competitor or manufacturer or "unknown").strip()
            found.unmatched[name] = found.unmatched.get(name, 0) + count
            continue
        key = (cid, account)
        found.machines[key] = found.machines.get(key, 0) + count
        found.how.setdefault(key, "machines")
    for account, name in repo.presence_names(session, visible, account_id):
        cid = rules.match(index, name)
        if cid is None:
            found.unmatched.setdefault(name.strip(), 0)
            continue
        found.how.setdefault((cid, account), "records")
    if account_id is None:
        for pair in repo.action_pairs(session, visible):
            found.how.setdefault(pair, "action")
        for pair in repo.opportunity_pairs(session, visible):
            found.how.setdefault(pair, "opportunity")
    return found


def win_loss_by_competitor(ctx: Context) -> dict[int, WinLoss]:
    """Won and lost opportunities against each competitor: those listing it, and those whose
    win/loss record names it (matched by name or alias), each opportunity once."""
    index = rules.name_index(_named(repo.competitors(ctx.session)))
    seen: dict[int, dict[int, str]] = defaultdict(dict)
    for opp, status, cid, text in repo.closed_with_competitors(
        ctx.session, repo.visible_ids(ctx.user)
    ):
        competitor = cid if cid is not None else rules.match(index, text)
        if competitor is not None:
            seen[competitor][opp] = status
    return {c: rules.win_loss(results.values()) for c, results in seen.items()}


@dataclass(frozen=True)
class CompetitorRow:
    """A competitor on the list: its installed base, share, accounts, win/loss, last action."""

    competitor: Competitor
    share: Share
    accounts: int
    win_loss: WinLoss
    last_action: CompetitorAction | None

    def as_dict(self) -> dict[str, Any]:
        """The JSON of the API and ``--json``."""
        c = self.competitor
        return {
            "id": c.id,
            "name": c.name,
            "type": c.type,
            "type_words": TYPE_WORDS[CompetitorType(c.type)],
            "products": c.products,
            "aliases": list(c.aliases or []),
            "machines": self.share.machines,
            "of_machines": self.share.of,
            "share": round(self.share.share, 4),
            "accounts": self.accounts,
            "won": self.win_loss.won,
            "lost": self.win_loss.lost,
            "last_action": _action(self.last_action) if self.last_action else None,
        }


def _action(a: CompetitorAction, names: dict[int, str] | None = None) -> dict[str, Any]:
    return {
        "id": a.id,
        "competitor_id": a.competitor_id,
        "kind": a.kind,
        "observed_on": a.observed_on.isoformat(),
        "source": a.source,
        "account_id": a.account_id,
        "account_name": (names or {}).get(a.account_id) if a.account_id else None,
        "detail": a.detail,
        "recorded_by": a.recorded_by,
    }


def list_competitors(ctx: Context, type_: str | None = None) -> tuple[list[CompetitorRow], int]:
    """The master by type then name, with each one's share of the visible installed base; and
    that base's size (all machines, ours and the competitors')."""
    staff_only(ctx.user)
    if type_ is not None and type_ not in CompetitorType.__members__:
        raise InvalidInput(f"type: {type_!r} is not one of {', '.join(CompetitorType)}")
    where = presence(ctx)
    total = sum(where.totals.values())
    results = win_loss_by_competitor(ctx)
    order = list(CompetitorType)
    rows = []
    for c in repo.competitors(ctx.session):
        if type_ is not None and c.type != type_:
            continue
        last = repo.actions(ctx.session, repo.visible_ids(ctx.user), competitor_id=c.id, limit=1)
        rows.append(
            CompetitorRow(
                c,
                Share(where.held(c.id), total),
                len({a for (cid, a) in where.how if cid == c.id}),
                results.get(c.id, WinLoss()),
                last[0] if last else None,
            )
        )
    rows.sort(key=lambda r: (order.index(CompetitorType(r.competitor.type)), r.competitor.name))
    return rows, total


def list_csv(ctx: Context, type_: str | None = None) -> str:
    """The list as CSV: the same numbers as the page and the API (share as a percentage)."""
    rows, total = list_competitors(ctx, type_)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["name", "type", "machines", "of_machines", "share_percent", "accounts", "won", "lost"]
    )
    for r in rows:
        writer.writerow(
            [
                r.competitor.name,
                r.competitor.type,
                r.share.machines,
                total,
                f"{100 * r.share.share:.1f}",
                r.accounts,
                r.win_loss.won,
                r.win_loss.lost,
            ]
        )
    return out.getvalue()


@dataclass(frozen=True)
class AccountShare:
    """A competitor's installed base at one account."""

    account_id: int
    account_name: str
    share: Share
    how: str


@dataclass
class CompetitorDetail:
    """One competitor: where it holds installed base, its actions, win/loss, alerts."""

    competitor: Competitor
    accounts: list[AccountShare]
    actions: list[dict[str, Any]]
    win_loss: WinLoss
    alerts: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        """The JSON of the API and ``--json``."""
        c = self.competitor
        return {
            "id": c.id,
            "name": c.name,
            "type": c.type,
            "type_words": TYPE_WORDS[CompetitorType(c.type)],
            "products": c.products,
            "aliases": list(c.aliases or []),
            "notes": c.notes,
            "installed_base": [
                {
                    "account_id": s.account_id,
                    "account_name": s.account_name,
                    "machines": s.share.machines,
                    "of_machines": s.share.of,
                    "share": round(s.share.share, 4),
                    "known_by": s.how,
                }
                for s in self.accounts
            ],
            "actions": self.actions,
            "won": self.win_loss.won,
            "lost": self.win_loss.lost,
            "alerts": self.alerts,
        }


def _competitor(ctx: Context, competitor_id: int) -> Competitor:
    found = repo.competitor(ctx.session, competitor_id)
    if found is None:
        raise NotFound(f"competitor {competitor_id} not found")
    return found


def get_competitor(ctx: Context, competitor_id: int) -> CompetitorDetail:
    """One competitor with its installed base per visible account, actions, win/loss, alerts."""
    staff_only(ctx.user)
    c = _competitor(ctx, competitor_id)
    where = presence(ctx)
    pairs = sorted(a for (cid, a) in where.how if cid == c.id)
    visible = repo.visible_ids(ctx.user)
    actions = repo.actions(ctx.session, visible, competitor_id=c.id)
    alerts = repo.alerts(ctx.session, visible, competitor_id=c.id)
    names = repo.account_names(
        ctx.session,
        pairs + [a.account_id for a in actions if a.account_id] + [x.account_id for x in alerts],
    )
    shares = [
        AccountShare(
            a,
            names.get(a, str(a)),
            Share(where.machines.get((c.id, a), 0), where.totals.get(a, 0)),
            VIA_WORDS[where.how[(c.id, a)]],
        )
        for a in pairs
    ]
    shares.sort(key=lambda s: (-s.share.machines, s.account_name))
    return CompetitorDetail(
        c,
        shares,
        [_action(a, names) for a in actions],
        win_loss_by_competitor(ctx).get(c.id, WinLoss()),
        [_alert(x, {c.id: c.name}, names) for x in alerts],
    )


def _remember(
    ctx: Context, pairs: dict[tuple[int, int], str], alert: bool
) -> list[CompetitorAlert]:
    """Remember pairs not known before; raise an alert for each when ``alert``."""
    known = repo.sightings(ctx.session)
    raised = []
    names: dict[int, str] = {}
    for cid, account, how in rules.appearances(known, pairs):
        repo.add(ctx.session, CompetitorSighting(competitor_id=cid, account_id=account, via=how))
        if not alert:
            continue
        if cid not in names:
            names[cid] = _competitor(ctx, cid).name
        row = CompetitorAlert(
            competitor_id=cid,
            account_id=account,
            via=how,
            detail=f"{names[cid]} appeared: {VIA_WORDS[how]}",
        )
        repo.add(ctx.session, row)
        raised.append(row)
    return raised


def _check_names(ctx: Context, own_id: int | None, name: str, aliases: list[str]) -> None:
    same = repo.competitor_by_name(ctx.session, name)
    if same is not None and same.id != own_id:
        raise InvalidInput(f"name: a competitor called {name!r} exists already")
    index = rules.name_index(_named(repo.competitors(ctx.session)))
    clash = rules.alias_clash(index, own_id, [name])
    if clash is not None:
        raise InvalidInput(f"name: {clash!r} is an alias of another competitor")
    clash = rules.alias_clash(index, own_id, aliases)
    if clash is not None:
        raise InvalidInput(f"aliases: {clash!r} is the name or an alias of another competitor")


def create_competitor(ctx: Context, data: CompetitorIn) -> Competitor:
    """Add a competitor to the master (audited); where it already holds machines or is named in
    the accounts' records is remembered without alerts."""
    require(ctx.user, "competitor.manage")
    name = data.name.strip()
    aliases = rules.clean_aliases(name, data.aliases)
    _check_names(ctx, None, name, aliases)
    c = Competitor(
        name=name, type=data.type.value, products=data.products, aliases=aliases, notes=data.notes
    )
    repo.add(ctx.session, c)
    _baseline(ctx, c.id)
    audit.record(
        ctx.session,
        ctx.actor,
        "competitor.create",
        "competitor",
        c.id,
        after={"name": name, "type": c.type, "aliases": aliases, "products": c.products},
    )
    return c


def _baseline(ctx: Context, competitor_id: int) -> None:
    where = presence(ctx, everything=True)
    _remember(ctx, {k: v for k, v in where.how.items() if k[0] == competitor_id}, alert=False)


def edit_competitor(ctx: Context, competitor_id: int, data: CompetitorIn) -> Competitor:
    """Change a competitor (audited); machines a new alias brings in are remembered quietly."""
    require(ctx.user, "competitor.manage")
    c = _competitor(ctx, competitor_id)
    name = data.name.strip()
    aliases = rules.clean_aliases(name, data.aliases)
    _check_names(ctx, c.id, name, aliases)
    fields = ("name", "type", "products", "aliases", "notes")
    before = {f: getattr(c, f) for f in fields}
    c.name, c.type, c.products, c.aliases, c.notes = (
        name,
        data.type.value,
        data.products,
        aliases,
        data.notes,
    )
    ctx.session.flush()
    _baseline(ctx, c.id)
    old, new = audit.diff(before, {f: getattr(c, f) for f in fields})
    if new:
        audit.record(ctx.session, ctx.actor, "competitor.update", "competitor", c.id, old, new)
    return c


def record_action(ctx: Context, competitor_id: int, data: ActionIn) -> CompetitorAction:
    """Record an observed action (audited); at an account where the competitor was not known
    before, an alert is raised for the account's people."""
    require(ctx.user, "competitor.record")
    c = _competitor(ctx, competitor_id)
    if (
        data.account_id is not None
        and repo.visible_account(ctx.session, ctx.user, data.account_id) is None
    ):
        raise InvalidInput(f"account_id: no account {data.account_id}")
    row = CompetitorAction(
        competitor_id=c.id,
        account_id=data.account_id,
        kind=data.kind.value,
        observed_on=data.observed_on,
        source=data.source.strip(),
        detail=data.detail,
        recorded_by=ctx.actor.name,
    )
    repo.add(ctx.session, row)
    if data.account_id is not None:
        _remember(ctx, {(c.id, data.account_id): "action"}, alert=True)
    audit.record(
        ctx.session,
        ctx.actor,
        "competitor.action",
        "competitor",
        c.id,
        after=_action(row),
    )
    return row


def scan(ctx: Context) -> list[CompetitorAlert]:
    """Look for competitors at accounts where they were not before (after an import of machines
    or of competitor records): an alert for each new pair."""
    require(ctx.user, "competitor.record")
    raised = _remember(ctx, presence(ctx, everything=True).how, alert=True)
    if raised:
        audit.record(
            ctx.session,
            ctx.actor,
            "competitor.scan",
            "competitor_alert",
            None,
            after={"alerts": [a.id for a in raised]},
        )
    return raised


def after_import(ctx: Context, kinds: frozenset[str]) -> str | None:
    """Run after ``servitize import`` changed machines or competitor records
    (servitize.after_import): the scan, and one line saying what it found."""
    raised = scan(ctx)
    if not raised:
        return "competitors: none new at an account"
    names = {c.id: c.name for c in repo.competitors(ctx.session)}
    found = sorted({names.get(a.competitor_id, str(a.competitor_id)) for a in raised})
    n = len(raised)
    return f"competitors: {n} new at an account ({', '.join(found)}); see /competitors/alerts"


# ---------------------------------------------------------------- alerts


def _alert(
    x: CompetitorAlert, competitors: dict[int, str], accounts: dict[int, str]
) -> dict[str, Any]:
    return {
        "id": x.id,
        "competitor_id": x.competitor_id,
        "competitor": competitors.get(x.competitor_id, str(x.competitor_id)),
        "account_id": x.account_id,
        "account_name": accounts.get(x.account_id, str(x.account_id)),
        "raised_at": x.raised_at.isoformat(),
        "via": x.via,
        "detail": x.detail,
        "seen_at": x.seen_at.isoformat() if x.seen_at else None,
        "seen_by": x.seen_by,
    }


def alerts(
    ctx: Context, unseen: bool = False, account_id: int | None = None
) -> list[dict[str, Any]]:
    """Alerts at the accounts the user may see (an account owner: their own accounts)."""
    staff_only(ctx.user)
    rows = repo.alerts(
        ctx.session, repo.visible_ids(ctx.user), account_id=account_id, unseen=unseen
    )
    names = {c.id: c.name for c in repo.competitors(ctx.session)}
    accounts = repo.account_names(ctx.session, [x.account_id for x in rows])
    return [_alert(x, names, accounts) for x in rows]


def mark_seen(ctx: Context, alert_id: int) -> CompetitorAlert:
    """Mark an alert read (audited)."""
    require(ctx.user, "competitor.record")
    row = repo.alert(ctx.session, alert_id, repo.visible_ids(ctx.user))
    if row is None:
        raise NotFound(f"alert {alert_id} not found")
    if row.seen_at is None:
        repo.mark_seen(row, ctx.now, ctx.actor.name)
        ctx.session.flush()
        audit.record(ctx.session, ctx.actor, "competitor.alert_seen", "competitor_alert", row.id)
    return row


# ---------------------------------------------------------------- an opportunity's competitors


def opportunity_competitors(ctx: Context, opportunity_id: int) -> list[dict[str, Any]]:
    """The competitors of an opportunity with their SWOT line."""
    opp = sales_repo.get(ctx.session, ctx.user, opportunity_id)
    names = {c.id: c for c in repo.competitors(ctx.session)}
    return [
        {
            "competitor_id": row.competitor_id,
            "name": names[row.competitor_id].name,
            "type": names[row.competitor_id].type,
            **{k: getattr(row, k) for k in SWOT},
        }
        for row in repo.opportunity_competitors(ctx.session, opp.id)
    ]


def set_opportunity_competitor(
    ctx: Context, opportunity_id: int, data: OpportunityCompetitorIn
) -> OpportunityCompetitor:
    """Name a competitor in an opportunity, or change its SWOT line (audited); a competitor new
    at the account raises an alert."""
    require(ctx.user, "competitor.record")
    opp = sales_repo.get(ctx.session, ctx.user, opportunity_id)
    c = repo.competitor(ctx.session, data.competitor_id)
    if c is None:
        raise InvalidInput(f"competitor_id: no competitor {data.competitor_id}")
    row = repo.opportunity_competitor(ctx.session, opp.id, c.id)
    before = {k: getattr(row, k) for k in SWOT} if row else None
    if row is None:
        row = OpportunityCompetitor(opportunity_id=opp.id, competitor_id=c.id)
        for k in SWOT:
            setattr(row, k, getattr(data, k))
        repo.add(ctx.session, row)
        _remember(ctx, {(c.id, opp.account_id): "opportunity"}, alert=True)
    else:
        for k in SWOT:
            setattr(row, k, getattr(data, k))
        ctx.session.flush()
    audit.record(
        ctx.session,
        ctx.actor,
        "competitor.opportunity",
        "opportunity",
        opp.id,
        before=before,
        after={"competitor": c.name} | {k: getattr(row, k) for k in SWOT},
    )
    return row


# ---------------------------------------------------------------- the account 360's panel


@dataclass
class AccountPanel:
    """Competitors at an account: their share of its installed base, recent actions, alerts."""

    account_id: int
    machines: int
    own: int
    shares: list[tuple[Competitor, Share, str]]
    unmatched: dict[str, int]
    actions: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    may_record: bool
    competitors: list[Competitor]

    def as_dict(self) -> dict[str, Any]:
        """The JSON of the API."""
        return {
            "account_id": self.account_id,
            "machines": self.machines,
            "competitors": [
                {
                    "id": c.id,
                    "name": c.name,
                    "type": c.type,
                    "machines": s.machines,
                    "of_machines": s.of,
                    "share": round(s.share, 4),
                    "known_by": how,
                }
                for c, s, how in self.shares
            ],
            "unmatched_names": self.unmatched,
            "recent_actions": self.actions,
            "alerts": self.alerts,
        }


def account_panel(ctx: Context, account_id: int) -> AccountPanel:
    """The account's competitors: share of its installed base, the last year's actions, alerts."""
    staff_only(ctx.user)
    account = repo.visible_account(ctx.session, ctx.user, account_id)
    if account is None:
        raise NotFound(f"account {account_id} not found")
    where = presence(ctx, account_id=account.id)
    visible = repo.visible_ids(ctx.user)
    actions = repo.actions(
        ctx.session,
        visible,
        account_id=account.id,
        since=ctx.today - timedelta(days=RECENT_DAYS),
        limit=PANEL_ACTIONS,
    )
    for pair in repo.action_pairs(ctx.session, visible):
        if pair[1] == account.id:
            where.how.setdefault(pair, "action")
    for pair in repo.opportunity_pairs(ctx.session, visible):
        if pair[1] == account.id:
            where.how.setdefault(pair, "opportunity")
    master = repo.competitors(ctx.session)
    by_id = {c.id: c for c in master}
    total = where.totals.get(account.id, 0)
    shares = sorted(
        (
            (by_id[cid], Share(where.machines.get((cid, a), 0), total), VIA_WORDS[how])
            for (cid, a), how in where.how.items()
        ),
        key=lambda x: (-x[1].machines, x[0].name),
    )
    names = {c.id: c.name for c in master}
    account_names = {account.id: account.name}
    competitor_machines = sum(s.machines for _c, s, _h in shares) + sum(where.unmatched.values())
    return AccountPanel(
        account.id,
        total,
        total - competitor_machines,
        shares,
        where.unmatched,
        [_action(a, account_names) | {"competitor": names[a.competitor_id]} for a in actions],
        [
            _alert(x, names, account_names)
            for x in repo.alerts(ctx.session, visible, account_id=account.id, unseen=True)
        ],
        may(ctx.user, "competitor.record"),
        master,
    )


def ecosystem_competitors(ctx: Context, account_id: int) -> list[tuple[Competitor, int, str]]:
    """The competitors known at an account: name, machines held there, how known."""
    return [(c, s.machines, how) for c, s, how in account_panel(ctx, account_id).shares]


# ---------------------------------------------------------------- the twin's ecosystem level


@dataclass(frozen=True)
class EcosystemRow:
    """The actors around one account."""

    account_id: int
    account_name: str
    partners: list[tuple[str, str, str]]  # name, kind, why
    dealer: str | None
    competitors: list[tuple[str, int, str]]  # name, machines, how known


ECOSYSTEM_ROWS = 50


def ecosystem_rows(ctx: Context, account_id: int | None = None) -> list[EcosystemRow]:
    """The real actors around an account, or around the visible accounts that have the most."""
    staff_only(ctx.user)
    if account_id is not None:
        if repo.visible_account(ctx.session, ctx.user, account_id) is None:
            raise NotFound(f"account {account_id} not found")
        candidates = [account_id]
    else:
        where = presence(ctx)
        counts: dict[int, int] = defaultdict(int)
        for _c, a in where.how:
            counts[a] += 1
        for a in repo.partner_accounts(ctx.session, repo.visible_ids(ctx.user)):
            counts[a] += 1
        candidates = sorted(counts, key=lambda a: (-counts[a], a))[:ECOSYSTEM_ROWS]
    names = repo.account_names(ctx.session, candidates)
    master = {c.id: c.name for c in repo.competitors(ctx.session)}
    visible = repo.visible_ids(ctx.user)
    told = [(pair, "action") for pair in repo.action_pairs(ctx.session, visible)] + [
        (pair, "opportunity") for pair in repo.opportunity_pairs(ctx.session, visible)
    ]
    rows = []
    for a in candidates:
        where_a = presence(ctx, account_id=a)
        for pair, how in told:
            if pair[1] == a:
                where_a.how.setdefault(pair, how)
        dealer = repo.dealer_name(ctx.session, a)
        rows.append(
            EcosystemRow(
                a,
                names.get(a, str(a)),
                [(p.name, p.kind, why) for p, why in repo.partners_at(ctx.session, a)],
                dealer[1] if dealer else None,
                sorted(
                    (
                        (master[c], where_a.machines.get((c, a), 0), VIA_WORDS[how])
                        for (c, _a), how in where_a.how.items()
                    ),
                    key=lambda x: (-x[1], x[0]),
                ),
            )
        )
    return rows
