"""Customer and dealer accounts, their sites, and the hidden readiness for services."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from servitize.demo import frames
from servitize.demo.people import CULTURES, Staff
from servitize.demo.world import (
    COUNTRIES,
    DEALER_TERRITORIES,
    EUR_RATE,
    FIRM_ROOTS,
    INDUSTRIES,
    OWNERSHIP,
    OWNERSHIP_READINESS,
    OWNERSHIP_WEIGHT,
    STREETS,
    TERRITORIES,
    country_weights,
    industry_weights,
)

DIGITAL = np.array([c.digital_index for c in COUNTRIES])
FX = np.array([EUR_RATE[c.currency] for c in COUNTRIES])
TERRITORY_OF = np.array([TERRITORIES.index(c.territory) for c in COUNTRIES])
CULTURE_OF = np.array([CULTURES.index(c.culture) for c in COUNTRIES])


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function."""
    return 1 / (1 + np.exp(-x))


@dataclass(frozen=True)
class Dealers:
    """The dealer accounts (the first account numbers), with their country and territory."""

    country: np.ndarray

    @property
    def territory(self) -> np.ndarray:
        """Territory index of each dealer."""
        return TERRITORY_OF[self.country]


def make_dealers(rng: np.random.Generator, accounts: int) -> Dealers:
    """A few dealers in the territories served through partners, cycling the territories."""
    n = min(max(len(DEALER_TERRITORIES), accounts // 150), accounts // 5)
    out = []
    for k in range(n):
        territory = DEALER_TERRITORIES[k % len(DEALER_TERRITORIES)]
        options = [i for i, c in enumerate(COUNTRIES) if c.territory == territory]
        out.append(options[rng.integers(len(options))])
    return Dealers(np.array(out, dtype=np.int64))


@dataclass
class Accounts:
    """One chunk of accounts as columns; ``readiness`` is hidden, never written."""

    number: np.ndarray
    external_id: pa.Array
    dealer: np.ndarray  # account number of the serving dealer, -1 if none
    is_dealer: np.ndarray
    country: np.ndarray
    territory: np.ndarray
    industry: np.ndarray
    ownership: np.ndarray
    employees: np.ndarray
    readiness: np.ndarray
    owner: np.ndarray  # user index
    technician: np.ndarray  # user index of the account's usual technician
    relationship: np.ndarray
    drift_day: np.ndarray  # day after which the account buys nothing; a large number if none
    coverage: np.ndarray  # contract level 0..4 (catalogue.COVERAGE)
    contract_end: np.ndarray
    contract_term: np.ndarray  # years per term
    contract_terms: np.ndarray  # how many terms since the first one
    name: pa.Array
    domain: list[str]

    def __len__(self) -> int:
        return len(self.number)

    @property
    def fx(self) -> np.ndarray:
        """Units of the account currency per euro."""
        return FX[self.country]


def sample(
    rng: np.random.Generator, first: int, n: int, staff: Staff, dealers: Dealers, today: int
) -> Accounts:
    """Accounts ``first .. first+n-1``; the first ``len(dealers)`` numbers are the dealers."""
    number = first + np.arange(n)
    is_dealer = number < len(dealers.country)
    country = rng.choice(len(COUNTRIES), size=n, p=country_weights())
    country[is_dealer] = dealers.country[number[is_dealer]]
    territory = TERRITORY_OF[country]
    industry = rng.choice(len(INDUSTRIES), size=n, p=industry_weights())
    ownership = rng.choice(len(OWNERSHIP), size=n, p=OWNERSHIP_WEIGHT)
    water = industry == [i.name for i in INDUSTRIES].index("water_utilities")
    ownership[water & (rng.random(n) < 0.6)] = OWNERSHIP.index("public")
    employees = np.clip(np.rint(rng.lognormal(np.log(250), 1.0, n)), 12, 80_000).astype(np.int64)
    employees[is_dealer] = rng.integers(15, 180, int(is_dealer.sum()))
    readiness = (
        0.6 * (DIGITAL[country] - 0.72) / 0.15
        + OWNERSHIP_READINESS[ownership]
        + np.array([i.readiness for i in INDUSTRIES])[industry]
        + 0.25 * np.log10(employees / 250)
        + rng.normal(0, 0.7, n)
    )
    owner = _pick_per_territory(rng, staff.owners, territory)
    technician = _pick_per_territory(rng, staff.technicians, territory)
    relationship = np.clip(np.rint(3 + 0.6 * readiness + rng.normal(0, 0.7, n)), 1, 5)
    dealer = np.full(n, -1, dtype=np.int64)
    in_dealer_land = np.isin(territory, [TERRITORIES.index(t) for t in DEALER_TERRITORIES])
    served = ~is_dealer & in_dealer_land & (rng.random(n) < 0.3) & (len(dealers.country) > 0)
    for t in np.unique(territory[served]).tolist():
        options = np.flatnonzero(dealers.territory == t)
        rows = served & (territory == t)
        dealer[rows] = options[rng.integers(0, len(options), int(rows.sum()))]
    drifted = ~is_dealer & (rng.random(n) < 0.09 + 0.08 * (readiness < -0.5))
    drift_day = np.where(drifted, today - rng.integers(380, 1100, n), 10**7)
    # A service contract per account: more likely the readier the customer.
    has_contract = ~is_dealer & (rng.random(n) < sigmoid(1.1 * readiness - 0.5))
    level = rng.choice([1, 2, 3], size=n, p=[0.25, 0.45, 0.30])
    availability = (readiness > 0.6) & (DIGITAL[country] > 0.75) & (rng.random(n) < 0.35)
    level = np.where(availability, 4, level)
    coverage = np.where(has_contract, level, 0)
    contract_end = today + rng.integers(-600, 1000, n)
    contract_end = np.where(
        drifted, np.minimum(contract_end, drift_day - rng.integers(30, 400, n)), contract_end
    )
    roots = rng.integers(0, len(FIRM_ROOTS), n)
    word = rng.integers(0, 3, n)
    names, domains = [], []
    for i in range(n):
        root = FIRM_ROOTS[roots[i]]
        ind = INDUSTRIES[industry[i]]
        label = "Industrial Supply" if is_dealer[i] else ind.words[word[i] % len(ind.words)]
        names.append(f"{root} {label} {COUNTRIES[country[i]].legal}")
        domains.append(f"{root}{label.split()[0]}{number[i]}.example".lower())
    return Accounts(
        number=number,
        external_id=account_ids(number),
        dealer=dealer,
        is_dealer=is_dealer,
        country=country,
        territory=territory,
        industry=industry,
        ownership=ownership,
        employees=employees,
        readiness=readiness,
        owner=owner,
        technician=technician,
        relationship=relationship,
        drift_day=drift_day,
        coverage=coverage,
        contract_end=contract_end,
        contract_term=rng.integers(1, 4, n),
        contract_terms=1 + rng.poisson(1.5, n),
        name=frames.text(names),
        domain=domains,
    )


def account_ids(number: np.ndarray) -> pa.Array:
    """External ids of accounts by number."""
    return frames.ids("A", number + 1, 7)


def _pick_per_territory(
    rng: np.random.Generator, pools: list[np.ndarray], territory: np.ndarray
) -> np.ndarray:
    out = np.zeros(len(territory), dtype=np.int64)
    u = rng.random(len(territory))
    for t, pool in enumerate(pools):
        rows = territory == t
        out[rows] = pool[(u[rows] * len(pool)).astype(np.int64)]
    return out


@dataclass
class Sites:
    """Sites of a chunk of accounts: 1-3 per account, in the account's country."""

    number: np.ndarray
    account: np.ndarray  # index into the chunk's accounts
    first: np.ndarray  # per account: index of its first site
    count: np.ndarray  # per account: how many sites

    @property
    def external_id(self) -> pa.Array:
        """External ids of the sites."""
        return frames.ids("S", self.number + 1, 7)


def sample_sites(rng: np.random.Generator, acc: Accounts, first_number: int) -> Sites:
    """1-3 sites per account (large firms have more)."""
    n = len(acc)
    count = 1 + (rng.random(n) < 0.35) + (rng.random(n) < 0.1 + 0.3 * (acc.employees > 2000))
    account = np.repeat(np.arange(n), count)
    first = np.r_[0, np.cumsum(count)[:-1]]
    return Sites(first_number + np.arange(len(account)), account, first, count)


def sites_table(rng: np.random.Generator, acc: Accounts, sites: Sites) -> dict[str, pa.Array]:
    """The sites file of a chunk."""
    country = acc.country[sites.account]
    pos = np.arange(len(sites.account)) - sites.first[sites.account]
    city = [COUNTRIES[c].cities[rng.integers(len(COUNTRIES[c].cities))] for c in country.tolist()]
    street = rng.integers(0, len(STREETS), len(country))
    house = rng.integers(1, 240, len(country))
    kind = frames.pick(("Plant", "Works", "Site"), pos)
    return {
        "external_id": sites.external_id,
        "account": acc.external_id.take(pa.array(sites.account)),
        "name": frames.join([frames.text(city), kind], " "),
        "country": frames.pick([c.code for c in COUNTRIES], country),
        "city": frames.text(city),
        "address": frames.join([frames.pick(STREETS, street), frames.fixed(house, 0)], " "),
    }


def accounts_table(
    acc: Accounts,
    staff: Staff,
    volume: np.ndarray,
    technical_risk: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, pa.Array]:
    """The accounts file of a chunk; volume and technical risk come from the installed base."""
    n = len(acc)
    turnover = acc.employees * 180_000 * rng.lognormal(0, 0.35, n) * acc.fx
    profit = np.clip(
        np.rint(
            2.6
            + 0.5 * np.log10(acc.employees / 250) * 2
            + 0.35 * acc.readiness
            + rng.normal(0, 0.8, n)
        ),
        1,
        5,
    )
    users = pa.array(staff.usernames, pa.string())
    return {
        "external_id": acc.external_id,
        "name": acc.name,
        "kind": frames.pick(("customer", "dealer"), acc.is_dealer.astype(np.int64)),
        "industry": frames.pick(
            [i.name for i in INDUSTRIES] + ["distribution"],
            np.where(acc.is_dealer, len(INDUSTRIES), acc.industry),
        ),
        "country": frames.pick([c.code for c in COUNTRIES], acc.country),
        "territory": frames.pick(TERRITORIES, acc.territory),
        "employees": frames.fixed(acc.employees, 0),
        "turnover": frames.money(np.rint(turnover / 1000) * 1000),
        "currency": frames.pick([c.currency for c in COUNTRIES], acc.country),
        "owner": users.take(pa.array(acc.owner)),
        "ownership_type": frames.pick(OWNERSHIP, acc.ownership),
        "dealer": frames.blank(account_ids(np.maximum(acc.dealer, 0)), acc.dealer < 0),
        "volume": frames.fixed(volume, 0),
        "profitability_potential": frames.fixed(profit, 0),
        "technical_risk": frames.fixed(technical_risk, 0),
        "country_risk": frames.fixed(np.array([c.risk for c in COUNTRIES])[acc.country], 0),
        "relationship_quality": frames.fixed(acc.relationship, 0),
    }
