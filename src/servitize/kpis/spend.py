"""Money spent to win customers: campaigns, trade fairs, dealer and partner commissions, and
the accounts each reached (touches), one by one or imported from CSV.

Spend CSV columns: ``external_id, kind, name, channel, segment, start_on, end_on, amount,
currency, account`` (``account``: an account's external id, for a commission; ``segment``
optional). Touch CSV columns: ``spend, account, day`` (external ids). An import is all or
nothing: a file with a bad row changes nothing and names the row and the column. A row whose
``external_id`` exists already updates that spend.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from servitize.core.errors import InvalidInput
from servitize.installed_base.access import require
from servitize.kit.money import to_cents
from servitize.kpis import repository as repo
from servitize.kpis.models import Channel, Spend, SpendKind, Touch
from servitize.trust import audit
from servitize.trust.context import Context

SPEND_COLUMNS = (
    "external_id",
    "kind",
    "name",
    "channel",
    "segment",
    "start_on",
    "end_on",
    "amount",
    "currency",
    "account",
)
TOUCH_COLUMNS = ("spend", "account", "day")
MAX_ROWS = 10_000
MAX_CENTS = 10**15


@dataclass(frozen=True)
class SpendIn:
    external_id: str
    kind: str
    name: str
    channel: str
    start_on: date
    end_on: date
    amount_cents: int
    currency: str
    segment: str | None = None
    account_id: int | None = None


def _check(ctx: Context, data: SpendIn, where: str = "") -> None:
    if data.kind not in SpendKind.__members__:
        raise InvalidInput(f"{where}kind: one of {', '.join(SpendKind.__members__)}")
    if data.channel not in Channel.__members__:
        raise InvalidInput(f"{where}channel: one of {', '.join(Channel.__members__)}")
    if data.end_on < data.start_on:
        raise InvalidInput(f"{where}end_on: lies before start_on")
    if not 0 <= data.amount_cents <= MAX_CENTS:
        raise InvalidInput(f"{where}amount: between 0 and 10 trillion")
    if data.currency != ctx.settings.company_currency:
        raise InvalidInput(
            f"{where}currency: spend is recorded in the company currency "
            f"{ctx.settings.company_currency}"
        )
    if data.kind == "commission" and data.account_id is None:
        raise InvalidInput(f"{where}account: a commission names the account it was paid for")
    if not data.external_id or not data.name:
        raise InvalidInput(f"{where}external_id: external_id and name are required")


def record(ctx: Context, data: SpendIn) -> Spend:
    """Add a spend, or update the one with the same external id (audited)."""
    require(ctx.user, "spend.record")
    _check(ctx, data)
    return _upsert(ctx, data)


def _upsert(ctx: Context, data: SpendIn) -> Spend:
    row = repo.spend_by_external_id(ctx.session, data.external_id)
    fields = {
        "kind": SpendKind(data.kind),
        "name": data.name,
        "channel": Channel(data.channel),
        "segment": data.segment,
        "start_on": data.start_on,
        "end_on": data.end_on,
        "amount_cents": data.amount_cents,
        "currency": data.currency,
        "account_id": data.account_id,
    }
    before = None
    if row is None:
        row = Spend(external_id=data.external_id, **fields)
        repo.add(ctx.session, row)
    else:
        before = {"amount_cents": row.amount_cents, "end_on": row.end_on}
        for k, v in fields.items():
            setattr(row, k, v)
        ctx.session.flush()
    audit.record(
        ctx.session,
        ctx.actor,
        "update" if before else "create",
        "spend",
        row.id,
        before=before,
        after={"external_id": data.external_id, "amount_cents": data.amount_cents},
    )
    return row


def touch(ctx: Context, spend_id: int, account_id: int, day: date) -> Touch:
    """Record that a spend reached an account on a day."""
    require(ctx.user, "spend.record")
    row = Touch(spend_id=spend_id, account_id=account_id, day=day)
    repo.add(ctx.session, row)
    return row


def _rows(text: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in columns if c not in header and c not in ("segment", "account")]
    if missing:
        raise InvalidInput(f"file: missing columns {', '.join(missing)}")
    rows = []
    for row in reader:
        rows.append({(k or "").strip(): (v or "").strip() for k, v in row.items()})
        if len(rows) > MAX_ROWS:
            raise InvalidInput(f"file: at most {MAX_ROWS:,} rows at once")
    return rows


def _day(value: str, where: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{where}: a day is written YYYY-MM-DD (got {value!r})") from None


def import_spend(ctx: Context, text: str) -> int:
    """Import spend rows from CSV text; the number of rows written."""
    require(ctx.user, "spend.record")
    rows = _rows(text, SPEND_COLUMNS)
    accounts = repo.account_ids_by_external_id(
        ctx.session, {r["account"] for r in rows if r.get("account")}
    )
    parsed: list[SpendIn] = []
    for n, r in enumerate(rows, start=2):
        where = f"row {n} "
        try:
            cents = to_cents(r.get("amount", ""))
        except (InvalidOperation, ValueError, InvalidInput):
            raise InvalidInput(f"{where}amount: a number (got {r.get('amount')!r})") from None
        account = r.get("account") or None
        if account is not None and account not in accounts:
            raise InvalidInput(f"{where}account: no account {account!r}")
        data = SpendIn(
            external_id=r.get("external_id", "")[:80],
            kind=r.get("kind", ""),
            name=r.get("name", "")[:200],
            channel=r.get("channel", ""),
            start_on=_day(r.get("start_on", ""), where + "start_on"),
            end_on=_day(r.get("end_on", ""), where + "end_on"),
            amount_cents=cents,
            currency=r.get("currency", "").upper(),
            segment=(r.get("segment") or None),
            account_id=accounts.get(account) if account else None,
        )
        _check(ctx, data, where)
        parsed.append(data)
    for data in parsed:
        _upsert(ctx, data)
    return len(parsed)


def import_touches(ctx: Context, text: str) -> int:
    """Import touches (spend, account, day) from CSV text; the number written."""
    require(ctx.user, "spend.record")
    rows = _rows(text, TOUCH_COLUMNS)
    accounts = repo.account_ids_by_external_id(ctx.session, {r.get("account", "") for r in rows})
    spends = {s.external_id: s.id for s in repo.spends(ctx.session)}
    out = []
    for n, r in enumerate(rows, start=2):
        where = f"row {n} "
        if r.get("spend") not in spends:
            raise InvalidInput(f"{where}spend: no spend {r.get('spend')!r}")
        if r.get("account") not in accounts:
            raise InvalidInput(f"{where}account: no account {r.get('account')!r}")
        out.append(
            Touch(
                spend_id=spends[r["spend"]],
                account_id=accounts[r["account"]],
                day=_day(r.get("day", ""), where + "day"),
            )
        )
    repo.add(ctx.session, *out)
    return len(out)


def amount(cents: int) -> Decimal:
    return Decimal(cents) / 100


def listing(ctx: Context) -> list[Spend]:
    """Every spend, oldest first."""
    return repo.spends(ctx.session)


def touch_counts(ctx: Context) -> dict[int, int]:
    """How many accounts each spend reached."""
    return repo.touch_counts(ctx.session)


def may_import(ctx: Context) -> None:
    """PermissionDenied unless the user may record spend (asked before a file is read)."""
    require(ctx.user, "spend.record")
