"""People: the manufacturer's users by territory, and the buying centres of customers."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from servitize.demo import frames
from servitize.demo.world import (
    COMPANY_DOMAIN,
    COUNTRIES,
    FIRST_NAMES,
    LAST_NAMES,
    TERRITORIES,
    country_weights,
)

ACCOUNTS_PER_OWNER = 60
ASSETS_PER_TECHNICIAN = 350


@dataclass
class Staff:
    """The users, with who can be picked as owner or technician in each territory."""

    usernames: list[str]
    full_names: list[str]
    roles: list[str]
    territories: list[str | None]
    owners: list[np.ndarray]  # per territory index: user indices of account owners
    technicians: list[np.ndarray]  # per territory index: user indices of technicians

    def table(self) -> dict[str, pa.Array]:
        """The users file as columns."""
        return {
            "username": frames.text(self.usernames),
            "full_name": frames.text(self.full_names),
            "email": frames.text([f"{u}@{COMPANY_DOMAIN}" for u in self.usernames]),
            "role": frames.text(self.roles),
            "territory": pa.array(self.territories, pa.string()),
        }


def ascii_name(name: str) -> str:
    """``Jürgen Müller`` -> ``jurgenmuller``: lower-case ASCII letters only."""
    flat = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in flat.lower() if ch.isalpha())


CULTURES = tuple(FIRST_NAMES)
_FIRST = [pa.array(FIRST_NAMES[c], pa.string()) for c in CULTURES]
_LAST = [pa.array(LAST_NAMES[c], pa.string()) for c in CULTURES]


def names_of(rng: np.random.Generator, culture: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """First and last names drawn from the name lists of each culture (indices into CULTURES)."""
    u, v = rng.random(len(culture)), rng.random(len(culture))
    first = pa.nulls(len(culture), pa.string())
    last = pa.nulls(len(culture), pa.string())
    for i in np.unique(culture).tolist():
        mask = pa.array(culture == i)
        fi = (u * len(_FIRST[i])).astype(np.int64)
        li = (v * len(_LAST[i])).astype(np.int64)
        first = pc.if_else(
            mask, _FIRST[i].take(pa.array(np.minimum(fi, len(_FIRST[i]) - 1))), first
        )
        last = pc.if_else(mask, _LAST[i].take(pa.array(np.minimum(li, len(_LAST[i]) - 1))), last)
    return first, last


def _ascii(names: pa.Array) -> pa.Array:
    """Lower-case ASCII form of each name, for e-mail addresses."""
    uniq = pc.unique(names)
    flat = pa.array([ascii_name(n) for n in uniq.to_pylist()], pa.string())
    return flat.take(pc.index_in(names, uniq))


def _culture(territory: str) -> str:
    return next(c.culture for c in COUNTRIES if c.territory == territory)


def _person(rng: np.random.Generator, culture: str) -> tuple[str, str]:
    first = FIRST_NAMES[culture][rng.integers(len(FIRST_NAMES[culture]))]
    last = LAST_NAMES[culture][rng.integers(len(LAST_NAMES[culture]))]
    return first, last


def make_staff(rng: np.random.Generator, accounts: int) -> Staff:
    """Users scaled to the number of accounts: owners, technicians and managers per territory."""
    weights = country_weights()
    staff = Staff([], [], [], [], [], [])
    taken: dict[str, int] = {}

    def add(role: str, territory: str | None, culture: str) -> int:
        first, last = _person(rng, culture)
        base = ascii_name(first)[:1] + ascii_name(last)
        taken[base] = taken.get(base, 0) + 1
        staff.usernames.append(base if taken[base] == 1 else f"{base}{taken[base]}")
        staff.full_names.append(f"{first} {last}")
        staff.roles.append(role)
        staff.territories.append(territory)
        return len(staff.usernames) - 1

    add("admin", None, "en")
    add("sales_manager", None, "de")
    add("analyst", None, "nl")
    for territory in TERRITORIES:
        share = sum(w for c, w in zip(COUNTRIES, weights, strict=True) if c.territory == territory)
        expected = accounts * share
        culture = _culture(territory)
        add("service_manager", territory, culture)
        n_owners = max(1, math.ceil(expected / ACCOUNTS_PER_OWNER))
        n_techs = max(2, math.ceil(expected * 10 / ASSETS_PER_TECHNICIAN))
        staff.owners.append(
            np.array([add("account_owner", territory, culture) for _ in range(n_owners)])
        )
        staff.technicians.append(
            np.array([add("technician", territory, culture) for _ in range(n_techs)])
        )
    return staff


# Buying-centre roles, their usual levels, and job titles (a digital title shows readiness).
ROLES = ("decision_maker", "decision_influencer", "user", "technical", "procurement")
LEVELS = ("operations", "management", "executive")
ROLE_LEVEL = np.array([2, 1, 0, 0, 1])
TITLES = (
    ("Managing Director", "Plant Director", "Chief Operating Officer"),
    ("Head of Production", "Head of Engineering", "Operations Manager"),
    ("Line Operator", "Shift Supervisor", "Production Planner"),
    ("Maintenance Manager", "Reliability Engineer", "Maintenance Technician"),
    ("Purchasing Manager", "Strategic Buyer", "Category Manager"),
)
DIGITAL_TITLES = ("Head of Digitalisation", "Industry 4.0 Lead", "Chief Digital Officer")


def contacts(
    rng: np.random.Generator,
    account_ids: pa.Array,
    culture: np.ndarray,
    readiness: np.ndarray,
    employees: np.ndarray,
    domains: list[str],
    phone_codes: list[str],
    first_number: int,
) -> dict[str, pa.Array]:
    """A buying centre for each account: a decision maker first, then 1-6 others."""
    n_acc = len(account_ids)
    size = 2 + np.minimum(rng.poisson(0.6 + np.log10(np.maximum(employees, 10)) / 2), 5)
    acc = np.repeat(np.arange(n_acc), size)
    first_of = np.r_[0, np.cumsum(size)[:-1]]
    pos = np.arange(len(acc)) - first_of[acc]
    role = rng.choice(5, size=len(acc), p=[0.12, 0.28, 0.2, 0.25, 0.15])
    role[pos == 0] = 0
    role[pos == 1] = 4 - 1 * (rng.random(int((pos == 1).sum())) < 0.5)  # procurement or technical
    # A digital champion among the influencers shows a customer's readiness.
    p_digital = 1 / (1 + np.exp(-(1.6 * readiness[acc] - 1.2)))
    digital = (role == 1) & (rng.random(len(acc)) < p_digital)
    level = ROLE_LEVEL[role] + (rng.random(len(acc)) < 0.25) * np.where(role == 0, -1, 1)
    level = np.clip(level, 0, 2)
    title_idx = rng.integers(0, 3, size=len(acc))
    titles = [t for row in TITLES for t in row] + list(DIGITAL_TITLES)
    title = np.where(digital, 15 + title_idx, role * 3 + title_idx)
    first, last = names_of(rng, culture[acc])
    name = frames.join([first, last], " ")
    email = frames.join(
        [
            frames.join([_ascii(first), _ascii(last)], "."),
            pa.array(domains, pa.string()).take(pa.array(acc)),
        ],
        "@",
    )
    phone = frames.join(
        [
            pa.array(phone_codes, pa.string()).take(pa.array(acc)),
            frames.fixed(rng.integers(100, 1000, len(acc)), 0),
            frames.fixed(rng.integers(100_000, 1_000_000, len(acc)), 0),
        ],
        " ",
    )
    numbers = first_number + np.arange(len(acc)) + 1
    return {
        "external_id": frames.ids("K", numbers, 8),
        "account": account_ids.take(pa.array(acc)),
        "name": name,
        "title": frames.pick(titles, title),
        "email": email,
        "phone": frames.blank(phone, rng.random(len(acc)) < 0.15),
        "buying_role": frames.pick(ROLES, role),
        "level": frames.pick(LEVELS, level),
    }
