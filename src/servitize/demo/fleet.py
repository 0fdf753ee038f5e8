"""The installed base: machines and lines, own and competitor, ageing and getting sensors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from servitize.demo import frames
from servitize.demo.accounts import DIGITAL, Accounts, Sites, sigmoid
from servitize.demo.catalogue import (
    COMPETITOR_GROUPS,
    COMPETITORS,
    COMPONENTS,
    COVERAGE,
    GROUP_LINES,
    LINE_OF,
    PRODUCT_LINES,
)
from servitize.demo.world import COMPANY, INDUSTRIES

YEAR = 365.25
NEW_YEARS = 6  # younger machines carry current sensors
OLD_YEARS = 15  # older machines carry none; in between, the legacy generation
MEAN_ASSETS = 10
FLAW_SHARE = {"serial": 0.03, "install_date": 0.02, "model": 0.02, "site": 0.03}
CONNECTIVITY = ("none", "legacy", "current")
_GROUP = np.array([p.group for p in PRODUCT_LINES])
_SIZES = [p.sizes for p in PRODUCT_LINES]
_MIX = np.array([i.mix for i in INDUSTRIES], dtype=float)
_MIX /= _MIX.sum(axis=1, keepdims=True)
_N_SIZES = np.array([len(s) for s in _SIZES])
_SIZE_OF = np.array([list(s) + [s[-1]] * (4 - len(s)) for s in _SIZES], dtype=np.int64)
_N_COMPONENTS = np.array([len(p.components) for p in PRODUCT_LINES])
COMPONENT_OF = np.array(
    [
        [COMPONENTS.index(p.components[min(k, len(p.components) - 1)]) for k in range(8)]
        for p in PRODUCT_LINES
    ],
    dtype=np.int64,
)
_COMPETITOR_OF = np.array(
    [[COMPETITOR_GROUPS[g][k % len(COMPETITOR_GROUPS[g])] for k in range(12)] for g in range(4)],
    dtype=np.int64,
)


@dataclass
class Fleet:
    """One chunk's assets as columns (indices are local to the chunk)."""

    number: np.ndarray
    account: np.ndarray
    site: np.ndarray  # global site number
    parent: np.ndarray  # local index of the line, -1 if standalone or a line itself
    line: np.ndarray  # product line index
    size: np.ndarray  # index into the product line's sizes
    own: np.ndarray
    competitor: np.ndarray  # competitor index, -1 for own
    install: np.ndarray  # day number
    connectivity: np.ndarray  # 0 none, 1 legacy, 2 current
    retrofit_day: np.ndarray  # day a sensor retrofit was sold, -1 if none
    coverage: np.ndarray  # 0..4
    contract_end: np.ndarray  # day, -1 if no contract
    load: np.ndarray  # utilisation 0..1 (hidden; telemetry shows it later)
    weak: np.ndarray  # component index that keeps failing, -1 if none
    flaws: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.number)

    @property
    def external_id(self) -> pa.Array:
        """External ids of the assets."""
        return frames.ids("E", self.number + 1, 8)

    def age(self, today: int) -> np.ndarray:
        """Age in years on day ``today``."""
        return (today - self.install) / YEAR


def build(
    rng: np.random.Generator, acc: Accounts, sites: Sites, first_number: int, today: int
) -> Fleet:
    """Assets of a chunk: lines with machines under them first, then standalone machines."""
    n_acc = len(acc)
    size = (np.clip(acc.employees / 250, 0.05, 40) ** 0.3) * rng.lognormal(0, 0.35, n_acc)
    n_assets = np.where(acc.is_dealer, 0, rng.poisson(MEAN_ASSETS * 0.88 * size))
    line_rate = np.array([i.lines for i in INDUSTRIES])[acc.industry] * np.sqrt(n_assets / 10)
    n_lines = np.minimum(rng.poisson(line_rate), n_assets // 5)
    # Lines: a parent asset followed by its 2-5 machines.
    line_acc = np.repeat(np.arange(n_acc), n_lines)
    children = rng.integers(2, 6, len(line_acc))
    line_assets = np.bincount(line_acc, weights=children + 1, minlength=n_acc).astype(np.int64)
    standalone = np.maximum(n_assets - line_assets, 0)
    line_pos = (
        np.concatenate([np.arange(k + 1) for k in children.tolist()])
        if len(children)
        else np.zeros(0, dtype=np.int64)
    )
    line_id = np.repeat(np.arange(len(line_acc)), children + 1)
    acc_of = np.concatenate([line_acc[line_id], np.repeat(np.arange(n_acc), standalone)])
    order = np.argsort(acc_of, kind="stable")
    n = len(acc_of)
    account = acc_of[order]
    in_line = np.concatenate([np.ones(len(line_id), bool), np.zeros(n - len(line_id), bool)])[order]
    pos = np.concatenate([line_pos, np.zeros(n - len(line_id), np.int64)])[order]
    lid = np.concatenate([line_id, np.full(n - len(line_id), -1)])[order]
    head = in_line & (pos == 0)
    # Local index of each line's head, so children point at it.
    head_of_line = np.full(len(line_acc), -1)
    head_of_line[lid[head]] = np.flatnonzero(head)
    parent = np.where(in_line & ~head, head_of_line[np.maximum(lid, 0)], -1)

    mix = _MIX[acc.industry[account]]
    packaging_line = rng.random(n) < mix[:, 2] / (mix[:, 2] + mix[:, 3])
    head_line = np.where(packaging_line, LINE_OF["packaging_line"], LINE_OF["process_line"])
    line_kind = head_line[np.where(parent >= 0, parent, np.arange(n))]
    group = (rng.random(n)[:, None] > np.cumsum(mix, axis=1)[:, :3]).sum(axis=1)
    group = np.where(
        in_line,
        np.where(line_kind == LINE_OF["packaging_line"], 2, np.where(rng.random(n) < 0.5, 3, 0)),
        group,
    )
    u = rng.random(n)
    line = np.zeros(n, dtype=np.int64)
    for g, options in GROUP_LINES.items():
        rows = group == g
        line[rows] = np.array(options)[(u[rows] * len(options)).astype(np.int64)]
    line = np.where(head, line_kind, line)
    size_idx = (rng.random(n) * _N_SIZES[line]).astype(np.int64)

    # Age: each account has its own fleet age; machines in a line mostly share the line's age.
    mean_age = rng.uniform(1.5, 17, n_acc)
    age = np.clip(mean_age[account] * rng.lognormal(0, 0.55, n), 0, 30)
    own_parent = np.where(parent >= 0, parent, np.arange(n))
    replaced = (parent >= 0) & (rng.random(n) < 0.3)
    age = np.where(
        parent >= 0, np.where(replaced, age[own_parent] * rng.random(n), age[own_parent]), age
    )
    install = today - np.floor(age * YEAR).astype(np.int64)

    share = rng.beta(1.3, 3.2, n_acc)[account]
    competitor_machine = rng.random(n) < np.where(
        head, 0.2, np.where(parent >= 0, share * 0.4, share)
    )
    competitor_machine |= (parent >= 0) & competitor_machine[own_parent]
    own = ~competitor_machine
    comp_group = np.where(head, np.where(line == LINE_OF["packaging_line"], 2, 3), group)
    pick = rng.integers(0, 12, n)
    competitor = np.where(own, -1, _COMPETITOR_OF[comp_group, pick])

    age_now = (today - install) / YEAR
    connectivity = np.where(age_now < NEW_YEARS, 2, np.where(age_now < OLD_YEARS, 1, 0))
    r = acc.readiness[account]
    retrofit = (
        own
        & (age_now >= NEW_YEARS)
        & (rng.random(n) < sigmoid(1.2 * r + 1.5 * (DIGITAL[acc.country[account]] - 0.7) - 2.0))
    )
    start = np.maximum(install + 365, today - 6 * 365)
    retrofit_day = np.where(
        retrofit, start + (rng.random(n) * (today - start)).astype(np.int64), -1
    )
    retrofit &= retrofit_day < np.minimum(today, acc.drift_day[account])
    retrofit_day = np.where(retrofit, retrofit_day, -1)
    connectivity = np.where(retrofit, 2, connectivity)

    contract = acc.coverage[account]
    end = acc.contract_end[account]
    covered = own & (contract > 0) & (install < end - 30) & (rng.random(n) < 0.85)
    coverage = np.where(covered, contract, 0)
    # Availability contracts need connected machines; the others get full service instead.
    coverage = np.where((coverage == 4) & (connectivity < 2), 3, coverage)

    load = np.clip(
        np.array([i.load for i in INDUSTRIES])[acc.industry[account]] + rng.normal(0, 0.1, n),
        0.15,
        1.0,
    )
    weak_pick = (rng.random(n) * _N_COMPONENTS[line]).astype(np.int64)
    weak = np.where((rng.random(n) < 0.12) & ~head, COMPONENT_OF[line, weak_pick], -1)

    site = sites.number[sites.first[account] + (rng.random(n) * sites.count[account]).astype(int)]
    site = np.where(parent >= 0, site[own_parent], site)
    flaws = {k: rng.random(n) < p for k, p in FLAW_SHARE.items()}
    return Fleet(
        number=first_number + np.arange(n),
        account=account,
        site=site,
        parent=parent,
        line=line,
        size=size_idx,
        own=own,
        competitor=competitor,
        install=install,
        connectivity=connectivity,
        retrofit_day=retrofit_day,
        coverage=coverage,
        contract_end=np.where(coverage > 0, end, -1),
        load=load,
        weak=weak,
        flaws=flaws,
    )


def warranty_end(install: np.ndarray) -> np.ndarray:
    """Two calendar years after installation (29 February ends on 28 February)."""
    day = install.astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    offset = day - month.astype("datetime64[D]")
    end = np.minimum(
        (month + 24).astype("datetime64[D]") + offset, (month + 25).astype("datetime64[D]") - 1
    )
    return (end - frames.EPOCH).astype(np.int64)


def assets_table(rng: np.random.Generator, acc: Accounts, fleet: Fleet) -> dict[str, pa.Array]:
    """The assets file of a chunk, with its deliberate data-quality flaws."""
    n = len(fleet)
    prefix = [p.prefix for p in PRODUCT_LINES]
    size = _SIZE_OF[fleet.line, fleet.size]
    year = fleet.install.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    generation = np.where(year < 2008, 0, np.where(year < 2017, 1, 2))
    own_model = frames.join(
        [
            frames.pick(prefix, fleet.line),
            "-",
            frames.fixed(size, 0),
            frames.pick(("", "e", "x"), generation),
        ]
    )
    comp_idx = np.maximum(fleet.competitor, 0)
    initials = ["".join(w[0] for w in c.replace("&", "").split()).upper() for c in COMPETITORS]
    comp_model = frames.join([frames.pick(initials, comp_idx), " ", frames.fixed(size * 10, 0)])
    model = pc.if_else(pa.array(fleet.own), own_model, comp_model)
    own_serial = frames.join(
        [
            frames.pick(prefix, fleet.line),
            frames.fixed(year, 0),
            frames.ids("", fleet.number % 1_000_000, 6),
        ],
        "-",
    )
    comp_serial = frames.join(
        [frames.pick(initials, comp_idx), frames.ids("", rng.integers(0, 10**7, n), 7)]
    )
    serial = pc.if_else(pa.array(fleet.own), own_serial, comp_serial)
    manufacturer = frames.pick([COMPANY, *COMPETITORS], comp_idx + (~fleet.own))
    has_contract = fleet.coverage > 0
    return {
        "external_id": fleet.external_id,
        "account": acc.external_id.take(pa.array(fleet.account)),
        "site": frames.blank(frames.ids("S", fleet.site + 1, 7), fleet.flaws["site"]),
        "parent": frames.blank(
            frames.ids("E", fleet.number[np.maximum(fleet.parent, 0)] + 1, 8), fleet.parent < 0
        ),
        "serial": frames.blank(serial, fleet.flaws["serial"]),
        "model": frames.blank(model, fleet.flaws["model"]),
        "product_line": frames.pick([p.name for p in PRODUCT_LINES], fleet.line),
        "manufacturer": manufacturer,
        "origin": frames.pick(("competitor", "own"), fleet.own.astype(np.int64)),
        "competitor": frames.pick(COMPETITORS, comp_idx, fleet.own),
        "install_date": frames.days(fleet.install, fleet.flaws["install_date"]),
        "connectivity": frames.pick(CONNECTIVITY, fleet.connectivity),
        "warranty_end": frames.days(warranty_end(fleet.install), ~fleet.own),
        "coverage": frames.pick(COVERAGE, fleet.coverage),
        "contract_end": frames.days(np.maximum(fleet.contract_end, 0), ~has_contract),
    }


def competitors_table(
    rng: np.random.Generator, acc: Accounts, fleet: Fleet, first_number: int
) -> dict[str, pa.Array]:
    """Competitor presence: rivals' product lines in a fleet, and some selling service only."""
    theirs = np.flatnonzero(~fleet.own)
    key, counts = np.unique(
        np.stack(
            [fleet.account[theirs], fleet.competitor[theirs], fleet.line[theirs]], axis=1
        ).reshape(-1, 3),
        axis=0,
        return_counts=True,
    )
    n_fleet = np.bincount(fleet.account, minlength=len(acc))
    extra = np.flatnonzero(~acc.is_dealer & (n_fleet > 0) & (rng.random(len(acc)) < 0.15))
    account = np.concatenate([key[:, 0], extra]).astype(np.int64)
    competitor = np.concatenate([key[:, 1], rng.integers(0, len(COMPETITORS), len(extra))])
    line = np.concatenate([key[:, 2], np.full(len(extra), -1)]).astype(np.int64)
    notes = [f"{c} machine(s) installed" for c in counts.tolist()]
    notes += ["Offers service and spare parts for our machines"] * len(extra)
    order = np.lexsort((line, competitor, account))
    return {
        "external_id": frames.ids("CP", first_number + np.arange(len(order)) + 1, 7),
        "account": acc.external_id.take(pa.array(account[order])),
        "competitor": frames.pick(COMPETITORS, competitor[order]),
        "product_line": frames.pick(
            [p.name for p in PRODUCT_LINES], np.maximum(line[order], 0), line[order] < 0
        ),
        "notes": frames.text([notes[i] for i in order.tolist()]),
    }
