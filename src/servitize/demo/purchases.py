"""Purchase history: machines, parts, contracts, and services bought by the ready customers.

Service and digital offerings are bought at a monthly rate that rises with the account's hidden
readiness, its country's digital infrastructure, its recent repairs and the age of its fleet, so
a model with those features finds the signal; recency of the last purchase alone does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from servitize.demo import frames
from servitize.demo.accounts import DIGITAL, Accounts, sigmoid
from servitize.demo.catalogue import (
    COMPONENTS,
    COVERAGE_OFFERING,
    OFFERING_INDEX,
    OFFERINGS,
    PRODUCT_LINES,
    offering_prices,
)
from servitize.demo.fleet import OLD_YEARS, Fleet
from servitize.demo.history import HISTORY_DAYS, Events
from servitize.demo.people import Staff
from servitize.demo.world import COUNTRIES

CHANNELS = ("sales_rep", "technician", "renewal", "web")
MONTHS = 72
_PRICE = offering_prices()
_MONTHLY = np.array([o.unit in ("month", "asset-month", "licence-month") for o in OFFERINGS])
_RENEWS = np.array(
    [o.revenue_model in ("subscription", "licence") and o.unit != "asset-year" for o in OFFERINGS]
)
_SIGN_UP = np.array([o.sign_up for o in OFFERINGS])


@dataclass(frozen=True)
class Family:
    """How one service/digital family is bought: base rate per year and its drivers."""

    offerings: tuple[str, ...]
    weights: tuple[float, ...]
    base: float
    readiness: float
    repairs: float  # effect of log(1 + repairs in the last six months)
    digital: float  # effect of the country's digital index (z-score)
    old: float  # effect of the share of old machines
    new: float  # effect of log(1 + own machines installed in the last six months)
    needs: str  # "connected", "own" or "none": which asset the order concerns


FAMILIES = (
    Family(
        ("D-CM", "D-CMPRO", "D-ENERGY"), (0.5, 0.3, 0.2), 0.08, 0.8, 1.4, 0.3, 0, 0.3, "connected"
    ),
    Family(("D-REMOTE", "D-REMSESS"), (0.5, 0.5), 0.09, 0.7, 0.8, 0.3, 0, 0.3, "connected"),
    Family(("D-TWIN", "D-TWINLN"), (0.7, 0.3), 0.03, 1.1, 0.2, 0.4, 0, 0.8, "connected"),
    Family(("S-TRAIN-OP", "S-TRAIN-MT"), (0.6, 0.4), 0.05, 0.4, 0.2, 0.0, 0, 1.8, "none"),
    Family(("S-INSP", "S-SEAL"), (0.5, 0.5), 0.07, 0.3, 1.5, 0.0, 0, 0.0, "own"),
    Family(("X-ENERGY", "X-VSD"), (0.5, 0.5), 0.04, 0.5, 0.5, 0.0, 1.5, 0.0, "own"),
    Family(("B-PUMP", "B-AIR"), (0.5, 0.5), 0.012, 1.2, 0.4, 0.4, 0, 0.5, "own"),
)
SATURATION = 0.25  # after a purchase the same family is bought far less for two years
SATURATION_MONTHS = 24


@dataclass
class Orders:
    """Order lines being collected for a chunk (account and asset are local indices)."""

    account: list[np.ndarray] = field(default_factory=list)
    day: list[np.ndarray] = field(default_factory=list)
    offering: list[np.ndarray] = field(default_factory=list)
    asset: list[np.ndarray] = field(default_factory=list)
    assets: list[list[str | None]] = field(default_factory=list)
    quantity: list[np.ndarray] = field(default_factory=list)
    amount: list[np.ndarray] = field(default_factory=list)
    channel: list[np.ndarray] = field(default_factory=list)
    seller: list[np.ndarray] = field(default_factory=list)

    def add(
        self,
        account: np.ndarray,
        day: np.ndarray,
        offering: np.ndarray | int,
        asset: np.ndarray,
        quantity: np.ndarray | float,
        amount: np.ndarray,
        channel: np.ndarray | int,
        seller: np.ndarray,
        assets: list[str | None] | None = None,
    ) -> None:
        """Add order lines (one per element; offering, quantity and channel may be one value
        for all)."""
        n = len(account)
        self.account.append(account)
        self.day.append(day)
        self.offering.append(np.broadcast_to(offering, n).astype(np.int64))
        self.asset.append(asset)
        self.assets.append(assets if assets is not None else [None] * n)
        self.quantity.append(np.broadcast_to(quantity, n).astype(float))
        self.amount.append(amount)
        self.channel.append(np.broadcast_to(channel, n).astype(np.int64))
        self.seller.append(seller)

    def cat(self, name: str) -> np.ndarray:
        """One column over all added lines."""
        return np.concatenate(getattr(self, name))


def _discount(rng: np.random.Generator, n: int, low: float = 0.85) -> np.ndarray:
    return rng.uniform(low, 1.0, n)


def _pick_asset(
    rng: np.random.Generator,
    pool: np.ndarray,
    pool_account: np.ndarray,
    account: np.ndarray,
    n_acc: int,
) -> np.ndarray:
    """A random asset of ``pool`` (local indices sorted by account) per order; -1 if none."""
    if len(pool) == 0:
        return np.full(len(account), -1)
    counts = np.bincount(pool_account, minlength=n_acc)
    first = np.r_[0, np.cumsum(counts)[:-1]]
    k = (rng.random(len(account)) * counts[account]).astype(np.int64)
    return np.where(counts[account] > 0, pool[np.minimum(first[account] + k, len(pool) - 1)], -1)


def orders(
    rng: np.random.Generator, acc: Accounts, fleet: Fleet, ev: Events, staff: Staff, today: int
) -> Orders:
    """All order lines of a chunk, before the drift cut-off of each account."""
    out = Orders()
    start = today - HISTORY_DAYS
    fx = acc.fx
    prefix_offering = np.array([OFFERING_INDEX[f"M-{p.prefix}"] for p in PRODUCT_LINES])
    # Machines: each own machine installed within the history was an order.
    new = np.flatnonzero(fleet.own & (fleet.install >= start))
    a = fleet.account[new]
    off = prefix_offering[fleet.line[new]]
    amount = _PRICE[off] * (0.7 + 0.3 * fleet.size[new]) * fx[a] * _discount(rng, len(new), 0.8)
    out.add(a, fleet.install[new], off, new, 1, amount, 0, acc.owner[a])
    # Sensor retrofits that made old machines connected.
    ret = np.flatnonzero(fleet.retrofit_day >= 0)
    a = fleet.account[ret]
    tech = rng.random(len(ret)) < 0.4
    out.add(
        a,
        fleet.retrofit_day[ret],
        OFFERING_INDEX["X-RETRO"],
        ret,
        1,
        _PRICE[OFFERING_INDEX["X-RETRO"]] * fx[a] * _discount(rng, len(ret)),
        tech.astype(np.int64),
        np.where(tech, acc.technician[a], acc.owner[a]),
    )
    _from_repairs(rng, acc, fleet, ev, out)
    _contracts(rng, acc, fleet, out, today)
    _families(rng, acc, fleet, ev, out, today)
    return out


def _from_repairs(
    rng: np.random.Generator, acc: Accounts, fleet: Fleet, ev: Events, out: Orders
) -> None:
    """Parts and billed call-outs of repairs on own machines not under full service."""
    repair = (ev.kind == 0) & fleet.own[ev.asset] & (fleet.coverage[ev.asset] < 3)
    a = fleet.account[ev.asset]
    loyal = np.clip(0.3 + 0.12 * acc.readiness + 0.08 * (acc.relationship - 3), 0.05, 0.95)
    parts = repair & (ev.component >= 0) & (rng.random(len(ev)) < loyal[a])
    idx = np.flatnonzero(parts)
    part_offering = np.array(
        [OFFERING_INDEX[f"P-{c.upper().replace('_', '')}"] for c in COMPONENTS]
    )
    by_tech = ev.technician[idx] >= 0
    out.add(
        a[idx],
        ev.day[idx],
        part_offering[ev.component[idx]],
        ev.asset[idx],
        1,
        ev.parts_cost[idx],
        np.where(by_tech, 1, 3),
        np.where(by_tech, ev.technician[idx], -1),
    )
    billed = np.flatnonzero(
        repair
        & (fleet.coverage[ev.asset] == 0)
        & (ev.technician >= 0)
        & (rng.random(len(ev)) < 0.8)
    )
    hours = ev.labour[billed] / 10
    off = OFFERING_INDEX["S-REPAIR"]
    out.add(
        a[billed],
        ev.day[billed],
        off,
        ev.asset[billed],
        hours,
        _PRICE[off] * hours * acc.fx[a[billed]],
        1,
        ev.technician[billed],
    )


def _contracts(
    rng: np.random.Generator, acc: Accounts, fleet: Fleet, out: Orders, today: int
) -> None:
    """Service contracts: the first sale and each renewal, covering the machines then installed."""
    ids = fleet.external_id.to_pylist()
    start = today - HISTORY_DAYS
    rows: dict[str, list] = {
        k: [] for k in ("a", "day", "off", "qty", "amount", "ch", "who", "ids")
    }
    covered = np.flatnonzero(fleet.coverage > 0)
    for a in np.unique(fleet.account[covered]).tolist():
        mine = covered[fleet.account[covered] == a]
        term, terms = int(acc.contract_term[a]), int(acc.contract_terms[a])
        for j in range(1, terms + 1):
            day = int(acc.contract_end[a]) - 365 * term * j
            if day < start or day > min(today, acc.drift_day[a]):
                continue
            for level in np.unique(fleet.coverage[mine]).tolist():
                those = mine[(fleet.coverage[mine] == level) & (fleet.install[mine] < day)]
                if len(those) == 0:
                    continue
                off = OFFERING_INDEX[COVERAGE_OFFERING[level]]
                first = j == terms
                tech = first and rng.random() < 0.2
                rows["a"].append(a)
                rows["day"].append(day)
                rows["off"].append(off)
                rows["qty"].append(len(those) * term)
                rows["amount"].append(
                    _PRICE[off] * len(those) * term * acc.fx[a] * rng.uniform(0.85, 1.0)
                )
                rows["ch"].append(1 if tech else (0 if first else 2))
                rows["who"].append(acc.technician[a] if tech else acc.owner[a])
                rows["ids"].append("|".join(ids[i] for i in those.tolist()))
    n = len(rows["a"])
    out.add(
        np.array(rows["a"], np.int64),
        np.array(rows["day"], np.int64),
        np.array(rows["off"], np.int64),
        np.full(n, -1),
        np.array(rows["qty"], float),
        np.array(rows["amount"], float),
        np.array(rows["ch"], np.int64),
        np.array(rows["who"], np.int64),
        rows["ids"],
    )


def _families(
    rng: np.random.Generator, acc: Accounts, fleet: Fleet, ev: Events, out: Orders, today: int
) -> None:
    """Service and digital offerings bought month by month at readiness- and need-driven rates."""
    n_acc = len(acc)
    start = today - HISTORY_DAYS
    month_len = HISTORY_DAYS / MONTHS
    month_start = start + np.floor(np.arange(MONTHS) * month_len).astype(np.int64)
    repairs = np.zeros((n_acc, MONTHS + 1))
    rep = ev.kind == 0
    month = ((ev.day[rep] - start) / month_len).astype(np.int64).clip(0, MONTHS - 1)
    np.add.at(repairs, (fleet.account[ev.asset[rep]], month + 1), 1)
    cum = np.cumsum(repairs, axis=1)
    # Repairs in the six months before each month.
    last6 = np.log1p(cum[:, :-1] - cum[:, np.maximum(np.arange(MONTHS) - 6, 0)])
    # Machines installed in the six months before each month (training follows new machines).
    installs = np.zeros((n_acc, MONTHS + 1))
    new = fleet.own & (fleet.install >= start)
    month = ((fleet.install[new] - start) / month_len).astype(np.int64).clip(0, MONTHS - 1)
    np.add.at(installs, (fleet.account[new], month + 1), 1)
    cum = np.cumsum(installs, axis=1)
    fresh = np.log1p(cum[:, :-1] - cum[:, np.maximum(np.arange(MONTHS) - 6, 0)])
    own = np.bincount(fleet.account, weights=fleet.own, minlength=n_acc)
    connected_pool = np.flatnonzero(fleet.own & (fleet.connectivity == 2))
    own_pool = np.flatnonzero(fleet.own)
    connected = np.bincount(fleet.account[connected_pool], minlength=n_acc)
    old = np.bincount(
        fleet.account, weights=fleet.own & (fleet.age(today) >= OLD_YEARS), minlength=n_acc
    ) / np.maximum(own, 1)
    size = np.sqrt(np.maximum(own, 1) / 10)
    digital = (DIGITAL[acc.country] - 0.72) / 0.15
    active = month_start[None, :] < np.minimum(acc.drift_day, today)[:, None]
    customer = ~acc.is_dealer & (own > 0)
    for fam in FAMILIES:
        log_rate = (
            (fam.readiness * acc.readiness + fam.digital * digital + fam.old * old)[:, None]
            + fam.repairs * last6
            + fam.new * fresh
        )
        rate = fam.base / 12 * np.exp(log_rate) * size[:, None] * active
        eligible = customer & ((connected > 0) if fam.needs == "connected" else True)
        count = _saturating_counts(rng, rate * eligible[:, None])
        a = np.repeat(np.repeat(np.arange(n_acc), MONTHS), count.ravel())
        m = np.repeat(np.tile(np.arange(MONTHS), n_acc), count.ravel())
        day = np.minimum(month_start[m] + (rng.random(len(m)) * month_len).astype(np.int64), today)
        choice = rng.choice(len(fam.offerings), size=len(a), p=fam.weights)
        off = np.array([OFFERING_INDEX[o] for o in fam.offerings])[choice]
        pool = connected_pool if fam.needs == "connected" else own_pool
        asset = (
            _pick_asset(rng, pool, fleet.account[pool], a, n_acc)
            if fam.needs != "none"
            else np.full(len(a), -1)
        )
        if fam.offerings[0] == "B-PUMP":  # air as a service for compressors, else pumping
            off = np.where(
                np.array([p.group for p in PRODUCT_LINES])[fleet.line[np.maximum(asset, 0)]] == 1,
                OFFERING_INDEX["B-AIR"],
                OFFERING_INDEX["B-PUMP"],
            )
        qty = np.where(
            _MONTHLY[off],
            12.0,
            np.where(off == OFFERING_INDEX["S-TRAIN-OP"], rng.integers(1, 4, len(a)), 1.0),
        )
        amount = _PRICE[off] * qty * acc.fx[a] * _discount(rng, len(a))
        sign_up = _SIGN_UP[off]
        u = rng.random(len(a))
        channel = np.where(
            sign_up, np.where(u < 0.55, 1, np.where(u < 0.7, 3, 0)), np.where(u < 0.12, 1, 0)
        )
        seller = np.select([channel == 1, channel == 0], [acc.technician[a], acc.owner[a]], -1)
        out.add(a, day, off, asset, qty, amount, channel, seller)
        _renewals(rng, acc, out, a, day, off, asset, qty, amount, today)


def _saturating_counts(rng: np.random.Generator, rate: np.ndarray) -> np.ndarray:
    """Monthly purchase counts; a family just bought is needed less for a while."""
    count = np.zeros(rate.shape, dtype=np.int64)
    last = np.full(rate.shape[0], -(10**6))
    for m in range(rate.shape[1]):
        damp = np.where(m - last <= SATURATION_MONTHS, SATURATION, 1.0)
        count[:, m] = rng.poisson(rate[:, m] * damp)
        last = np.where(count[:, m] > 0, m, last)
    return count


def _renewals(
    rng: np.random.Generator,
    acc: Accounts,
    out: Orders,
    a: np.ndarray,
    day: np.ndarray,
    off: np.ndarray,
    asset: np.ndarray,
    qty: np.ndarray,
    amount: np.ndarray,
    today: int,
) -> None:
    """Yearly renewals of subscriptions and licences while the customer stays."""
    keep = _RENEWS[off]
    a, day, off, asset, qty, amount = (
        a[keep],
        day[keep],
        off[keep],
        asset[keep],
        qty[keep],
        amount[keep],
    )
    while len(a):
        day = day + 365
        go = (day <= np.minimum(today, acc.drift_day[a])) & (
            rng.random(len(a)) < sigmoid(1.2 + 0.8 * acc.readiness[a])
        )
        a, day, off, asset, qty, amount = a[go], day[go], off[go], asset[go], qty[go], amount[go]
        out.add(a, day, off, asset, qty, amount, 2, acc.owner[a])


def orders_table(
    acc: Accounts, fleet: Fleet, staff: Staff, out: Orders, today: int, first_number: int
) -> dict[str, pa.Array]:
    """The orders file of a chunk, sorted by date."""
    a, day = out.cat("account"), out.cat("day")
    keep = (day <= np.minimum(acc.drift_day[a], today)) & (day >= today - HISTORY_DAYS)
    order = np.flatnonzero(keep)[np.lexsort((a[keep], day[keep]))]
    assets = pa.array([x for part in out.assets for x in part], pa.string()).take(pa.array(order))
    asset = out.cat("asset")[order]
    single = (
        frames.blank(fleet.external_id.take(pa.array(np.maximum(asset, 0))), asset < 0)
        if len(fleet)
        else pa.nulls(len(order), pa.string())
    )
    seller = out.cat("seller")[order]
    users = pa.array(staff.usernames, pa.string())
    a = a[order]
    qty = out.cat("quantity")[order]
    return {
        "external_id": frames.ids("SO", first_number + np.arange(len(order)) + 1, 9),
        "date": frames.days(day[order]),
        "account": acc.external_id.take(pa.array(a)),
        "offering": pa.array([o.external_id for o in OFFERINGS], pa.string()).take(
            pa.array(out.cat("offering")[order])
        ),
        "assets": pc.coalesce(assets, single),
        "quantity": frames.fixed(np.rint(qty * 10), 1),
        "amount": frames.money(out.cat("amount")[order]),
        "currency": frames.pick([c.currency for c in COUNTRIES], acc.country[a]),
        "channel": frames.pick(CHANNELS, out.cat("channel")[order]),
        "sold_by": frames.blank(users.take(pa.array(np.maximum(seller, 0))), seller < 0),
    }
