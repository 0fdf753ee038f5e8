"""Service history: work orders from a failure model that worsens with age and load."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from servitize.demo import frames
from servitize.demo.accounts import Accounts, Sites
from servitize.demo.catalogue import COMPONENT_COST, COMPONENTS, PRODUCT_LINES
from servitize.demo.fleet import COMPONENT_OF, YEAR, Fleet
from servitize.demo.people import Staff
from servitize.demo.world import COUNTRIES

HISTORY_DAYS = 6 * 365  # service and purchase history reaches this far back
SEGMENTS = 12  # half-years: age is re-evaluated per segment
KINDS = ("repair", "maintenance", "inspection", "installation", "visit", "remote")
AGE_EFFECT = 0.075  # repairs grow by ~7.8 % per year of age
LOAD_EFFECT = 1.6  # ... and by ~17 % per 0.1 more utilisation
MAINTAINED_EFFECT = 0.6  # a maintenance contract removes 40 % of the failures
COMPETITOR_SEEN = 0.35  # share of competitor machines' repairs that we do

_FAILURE = np.array([p.failure_rate for p in PRODUCT_LINES])
_COMPONENT_P = np.zeros((len(PRODUCT_LINES), 8))
for _i, _p in enumerate(PRODUCT_LINES):
    _COMPONENT_P[_i, : len(_p.components)] = np.array(_p.component_weights) / sum(
        _p.component_weights
    )
_COMPONENT_CUM = np.cumsum(_COMPONENT_P, axis=1)
_COST = np.array([COMPONENT_COST[c] for c in COMPONENTS], dtype=float)
_DESCRIPTION = {
    "repair": ("Replaced {c} after failure", "Worn {c} replaced", "Fault at {c}, repaired"),
    "maintenance": ("Scheduled preventive maintenance",) * 3,
    "inspection": ("Inspection, no findings", "Inspection, wear noted", "Safety inspection"),
    "installation": ("Installation and commissioning",) * 3,
    "visit": ("Customer visit, operator questions", "Site survey", "Performance review"),
    "remote": ("Remote diagnosis session", "Remote parameter update", "Remote alarm check"),
}


@dataclass
class Events:
    """One chunk's work orders as columns (asset is a local index)."""

    asset: np.ndarray
    day: np.ndarray
    kind: np.ndarray  # index into KINDS
    component: np.ndarray  # component index, -1 for none
    parts_cost: np.ndarray  # in the account currency
    labour: np.ndarray  # tenths of hours
    downtime: np.ndarray  # tenths of hours
    technician: np.ndarray  # user index, -1 if the dealer did it

    def __len__(self) -> int:
        return len(self.asset)


def _exposure(fleet: Fleet, today: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per asset and half-year: start day, days in service, and age in years at mid-point."""
    edges = today - HISTORY_DAYS + np.round(np.arange(SEGMENTS + 1) * HISTORY_DAYS / SEGMENTS)
    seg_start = np.maximum(edges[:-1][None, :], fleet.install[:, None])
    seg_end = edges[1:][None, :]
    days = np.maximum(seg_end - seg_start, 0)
    age = ((seg_start + seg_end) / 2 - fleet.install[:, None]) / YEAR
    return seg_start.astype(np.int64), days.astype(np.int64), np.maximum(age, 0)


def _draw(
    rng: np.random.Generator, rate: np.ndarray, start: np.ndarray, days: np.ndarray, kind: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Poisson events per asset and segment: (asset, day, kind) arrays."""
    count = rng.poisson(rate * days / YEAR)
    asset = np.repeat(np.repeat(np.arange(rate.shape[0]), rate.shape[1]), count.ravel())
    first = np.repeat(start.ravel(), count.ravel())
    span = np.repeat(days.ravel(), count.ravel())
    day = first + (rng.random(len(first)) * span).astype(np.int64)
    return asset, day, np.full(len(asset), kind)


def service_events(
    rng: np.random.Generator, acc: Accounts, fleet: Fleet, staff: Staff, today: int
) -> Events:
    """Work orders of the last six years for the machines of a chunk."""
    start, days, age = _exposure(fleet, today)
    mid = start + days // 2
    in_contract = (fleet.contract_end[:, None] >= mid) & (fleet.coverage[:, None] > 0)
    # Contracts began some terms before their end; before that the machine was not covered.
    first_start = fleet.contract_end - 365 * (acc.contract_term * acc.contract_terms)[fleet.account]
    in_contract &= mid >= first_start[:, None]
    maintained = in_contract & (fleet.coverage[:, None] >= 2)
    inspected = in_contract & (fleet.coverage[:, None] == 1)
    weak = fleet.weak >= 0
    base = _FAILURE[fleet.line] * np.exp(LOAD_EFFECT * (fleet.load - 0.75))
    base = base * np.where(fleet.own, 1.0, COMPETITOR_SEEN) * np.where(weak, 1.4, 1.0)
    repair = base[:, None] * np.exp(AGE_EFFECT * age) * np.where(maintained, MAINTAINED_EFFECT, 1)
    seen = np.where(fleet.own, 1.0, 0.25)[:, None]
    maintenance = np.where(maintained, 2.0, 0.35 * seen)
    inspection = np.where(inspected, 1.0, 0.12 * seen)
    visit = np.full(days.shape, 0.08) * seen
    remote = (
        np.where((fleet.connectivity == 2) & fleet.own, 0.3, 0.0)[:, None]
        + np.where(fleet.coverage == 4, 1.0, 0.0)[:, None]
        + 0 * days
    )
    parts = [
        _draw(rng, r, start, days, k)
        for k, r in enumerate(
            (repair, maintenance, inspection, np.zeros(days.shape), visit, remote)
        )
    ]
    installed = np.flatnonzero(fleet.own & (fleet.install >= today - HISTORY_DAYS))
    parts.append((installed, fleet.install[installed], np.full(len(installed), 3)))
    asset = np.concatenate([p[0] for p in parts])
    day = np.minimum(np.concatenate([p[1] for p in parts]), today)
    kind = np.concatenate([p[2] for p in parts])
    keep = day <= acc.drift_day[fleet.account[asset]]
    asset, day, kind = asset[keep], day[keep], kind[keep]
    order = np.lexsort((kind, day, asset))
    asset, day, kind = asset[order], day[order], kind[order]
    return _details(rng, acc, fleet, staff, asset, day, kind)


def _details(
    rng: np.random.Generator,
    acc: Accounts,
    fleet: Fleet,
    staff: Staff,
    asset: np.ndarray,
    day: np.ndarray,
    kind: np.ndarray,
) -> Events:
    """Components, costs, hours and technicians of each work order."""
    n = len(asset)
    line = fleet.line[asset]
    k = (rng.random(n)[:, None] > _COMPONENT_CUM[line][:, :-1]).sum(axis=1)
    component = COMPONENT_OF[line, k]
    # Machines with a weak component see it fail again and again: repeat failures.
    repeat = (fleet.weak[asset] >= 0) & (rng.random(n) < 0.55)
    component = np.where(repeat, fleet.weak[asset], component)
    repair = kind == 0
    component = np.where(repair | ((kind == 2) & (rng.random(n) < 0.3)), component, -1)
    fx = acc.fx[fleet.account[asset]]
    cost = np.where(repair, _COST[np.maximum(component, 0)] * rng.lognormal(0, 0.35, n), 0.0)
    cost = np.where(kind == 1, 120 * rng.lognormal(0, 0.5, n), cost) * fx
    hours = np.select(
        [repair, kind == 1, kind == 2, kind == 3, kind == 4, kind == 5],
        [
            1 + rng.gamma(2, 2.5, n),
            3 + rng.gamma(2, 1.5, n),
            1.5 + rng.gamma(2, 0.6, n),
            8 + rng.gamma(3, 6, n),
            1 + rng.random(n),
            0.5 + rng.random(n) * 1.5,
        ],
    )
    connected = fleet.connectivity[asset] == 2
    waiting = rng.gamma(1.5, 8, n) * np.where(connected, 0.7, 1.4)
    maintained = fleet.coverage[asset] >= 2
    downtime = np.where(repair, (hours + waiting) * np.where(maintained, 0.7, 1.0), 0.0)
    downtime = np.where(kind == 1, hours * 0.8, downtime)
    account = fleet.account[asset]
    territory = acc.territory[account]
    u = rng.random(n)
    other = np.zeros(n, dtype=np.int64)
    for t, pool in enumerate(staff.technicians):
        rows = territory == t
        other[rows] = pool[(u[rows] * len(pool)).astype(np.int64)]
    technician = np.where(rng.random(n) < 0.7, acc.technician[account], other)
    by_dealer = (acc.dealer[account] >= 0) & (rng.random(n) < 0.5)
    technician = np.where(by_dealer, -1, technician)
    return Events(
        asset,
        day,
        kind,
        component,
        cost,
        np.rint(hours * 2) * 5,
        np.rint(downtime * 10),
        technician,
    )


def events_table(
    rng: np.random.Generator,
    acc: Accounts,
    fleet: Fleet,
    staff: Staff,
    ev: Events,
    first_number: int,
) -> dict[str, pa.Array]:
    """The service-events file of a chunk."""
    n = len(ev)
    names = [c.replace("_", " ") for c in COMPONENTS]
    variant = rng.integers(0, 3, n)
    heads: list[str] = []
    tails: list[str] = []
    index = np.zeros(n, dtype=np.int64)
    for k, kind in enumerate(KINDS):
        for v, template in enumerate(_DESCRIPTION[kind]):
            index[(ev.kind == k) & (variant == v)] = len(heads)
            head, _, tail = template.partition("{c}")
            heads.append(head)
            tails.append(tail)
    named = np.array(["{c}" in t for k in KINDS for t in _DESCRIPTION[k]])[index]
    comp = frames.pick(names, np.maximum(ev.component, 0))
    description = frames.join(
        [
            frames.pick(heads, index),
            pc.if_else(pa.array(named), pc.if_else(pa.array(ev.component >= 0), comp, "part"), ""),
            frames.pick(tails, index),
        ]
    )
    users = pa.array(staff.usernames, pa.string())
    return {
        "external_id": frames.ids("WO", first_number + np.arange(n) + 1, 9),
        "asset": fleet.external_id.take(pa.array(ev.asset)),
        "date": frames.days(ev.day),
        "kind": frames.pick(KINDS, ev.kind),
        "component": frames.pick(COMPONENTS, np.maximum(ev.component, 0), ev.component < 0),
        "parts_cost": frames.money(ev.parts_cost),
        "currency": frames.pick(
            [c.currency for c in COUNTRIES], acc.country[fleet.account[ev.asset]]
        ),
        "labour_hours": frames.fixed(ev.labour, 1),
        "downtime_hours": frames.fixed(ev.downtime, 1),
        "technician": frames.blank(
            users.take(pa.array(np.maximum(ev.technician, 0))), ev.technician < 0
        ),
        "description": description,
    }


def _working_day(day: np.ndarray, today: int | None = None) -> np.ndarray:
    """Days (since 1970-01-01, a Thursday) moved off the weekend (SLAs and the dispatch board
    count Monday to Friday): Saturday to the Friday before, Sunday to the Monday after; a past
    visit (``today`` given) whose Monday would be after today goes to the Friday instead."""
    day = np.asarray(day, dtype=np.int64)
    weekday = (day + 3) % 7  # Monday 0 … Sunday 6
    sunday = day + 1 if today is None else np.where(day + 1 > today, day - 2, day + 1)
    return np.where(weekday == 5, day - 1, np.where(weekday == 6, sunday, day))


def _upcoming_working_day(day: np.ndarray, today: int) -> np.ndarray:
    """A planned visit off the weekend and never before today (a Friday before it: Monday)."""
    moved = _working_day(day)
    return np.where(moved < today, moved + 3, moved)


def visits_table(
    rng: np.random.Generator,
    acc: Accounts,
    sites: Sites,
    fleet: Fleet,
    staff: Staff,
    ev: Events,
    today: int,
    first_number: int,
) -> dict[str, pa.Array]:
    """Technicians' visits: on-site jobs of the last four months and the next 30 days."""
    past = (ev.day >= today - 120) & (ev.kind != 5) & (ev.technician >= 0)
    key = np.stack(
        [
            ev.technician[past],
            fleet.account[ev.asset[past]],
            fleet.site[ev.asset[past]],
            ev.day[past],
        ],
        axis=1,
    )
    key, first = np.unique(key, axis=0, return_index=True) if len(key) else (key, np.zeros(0, int))
    job = ev.kind[past][first]
    customers = np.flatnonzero(
        ~acc.is_dealer & (np.bincount(fleet.account, minlength=len(acc)) > 0)
    )
    count = rng.poisson(0.2 + 0.04 * np.bincount(fleet.account, minlength=len(acc))[customers])
    account = np.repeat(customers, count)
    m = len(account)
    site = sites.number[sites.first[account] + (rng.random(m) * sites.count[account]).astype(int)]
    tech = acc.technician[account]
    u = rng.random(m)
    territory = acc.territory[account]
    for t, pool in enumerate(staff.technicians):
        rows = (territory == t) & (rng.random(m) < 0.3)
        tech[rows] = pool[(u[rows] * len(pool)).astype(np.int64)]
    covered = np.bincount(fleet.account, weights=fleet.coverage > 0, minlength=len(acc))[account]
    upcoming_job = np.where(
        (covered > 0) & (rng.random(m) < 0.6), 1, rng.choice([0, 2, 4], size=m, p=[0.4, 0.35, 0.25])
    )
    day = today + rng.integers(0, 31, m)
    tech_all = np.concatenate([key[:, 0], tech]).astype(np.int64)
    acc_all = np.concatenate([key[:, 1], account]).astype(np.int64)
    site_all = np.concatenate([key[:, 2], site]).astype(np.int64)
    day_all = np.concatenate([_working_day(key[:, 3], today), _upcoming_working_day(day, today)])
    job_all = np.concatenate([job, upcoming_job]).astype(np.int64)
    order = np.lexsort((tech_all, day_all, acc_all))
    users = pa.array(staff.usernames, pa.string())
    start, minutes = _visit_times(rng, job_all[order])
    return {
        "external_id": frames.ids("V", first_number + np.arange(len(order)) + 1, 8),
        "technician": users.take(pa.array(tech_all[order])),
        "account": acc.external_id.take(pa.array(acc_all[order])),
        "site": frames.ids("S", site_all[order] + 1, 7),
        "date": frames.days(day_all[order]),
        "job_type": frames.pick(KINDS, job_all[order]),
        "start_time": start,
        "duration_minutes": pa.array(minutes, pa.int64()),
    }


# Minutes on site by job (KINDS order): a repair or a maintenance takes a few hours, an
# installation most of a day, an inspection or a visit one or two hours.
VISIT_MINUTES = {
    "repair": (90, 300),
    "maintenance": (120, 240),
    "inspection": (60, 120),
    "installation": (240, 480),
    "visit": (45, 90),
    "remote": (30, 90),
}


def _visit_times(rng: np.random.Generator, job: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """A start between 07:00 and 15:30 on the half hour (HH:MM) and minutes on site in steps
    of 15 by kind of job. Drawn after everything else of the chunk, so the other files of a
    seed stay as they were."""
    n = len(job)
    start = 7 * 60 + 30 * rng.integers(0, 18, n)  # 07:00 .. 15:30
    low = np.array([VISIT_MINUTES[k][0] for k in KINDS])[job]
    high = np.array([VISIT_MINUTES[k][1] for k in KINDS])[job]
    minutes = low + 15 * (rng.random(n) * ((high - low) // 15 + 1)).astype(np.int64)
    text = [f"{m // 60:02d}:{m % 60:02d}" for m in start.tolist()]
    return pa.array(text, pa.string()), minutes
