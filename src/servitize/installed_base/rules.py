"""Pure rules of the installed base: coverage, age, data health. No database, no I/O."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from servitize.installed_base.models import CoverageStatus, ServiceCoverage
from servitize.kit import money

AGE_BANDS = ("0-5", "5-10", "10-20", "20+", "unknown")
EARLIEST_PLAUSIBLE_INSTALL = date(1950, 1, 1)


def coverage_status(
    warranty_end: date | None, coverage: str | None, contract_end: date | None, today: date
) -> CoverageStatus:
    """Under warranty, else under an active service contract, else out of contract or warranty.

    A contract with no end date runs until cancelled. "Out of contract" means a contract existed
    and ended; "out of warranty" means no contract was ever recorded.
    """
    if warranty_end is not None and warranty_end >= today:
        return CoverageStatus.under_warranty
    has_contract = bool(coverage) and coverage != ServiceCoverage.none
    if has_contract and (contract_end is None or contract_end >= today):
        return CoverageStatus.under_contract
    if contract_end is not None or has_contract:
        return CoverageStatus.out_of_contract
    return CoverageStatus.out_of_warranty


def age_years(install_date: date | None, today: date) -> float | None:
    """Years since installation, one decimal; None when unknown."""
    if install_date is None:
        return None
    return round((today - install_date).days / 365.25, 1)


def age_band(age: float | None) -> str:
    """The age band of a machine: 0-5, 5-10, 10-20, 20+ years, or unknown."""
    if age is None or age < 0:
        return "unknown"
    if age < 5:
        return "0-5"
    if age < 10:
        return "5-10"
    if age < 20:
        return "10-20"
    return "20+"


@dataclass(frozen=True)
class AssetFacts:
    """What the data-health checks read of one asset."""

    id: int
    serial: str | None
    model: str | None
    site_id: int | None
    install_date: date | None
    warranty_end: date | None
    last_touched: date | None  # newest of: record update, last service event


@dataclass(frozen=True)
class Finding:
    """One data-health check that found assets to fix."""

    check: str
    message: str
    asset_ids: list[int]


CHECK_MESSAGES = {
    "missing_serial": "serial number missing",
    "duplicate_serial": "serial number used by more than one machine of the account",
    "missing_model": "model missing",
    "missing_install_date": "install date missing (age unknown)",
    "implausible_install_date": "install date in the future or before 1950",
    "warranty_before_install": "warranty ends before the machine was installed",
    "missing_site": "no site: where does the machine stand?",
    "stale": "no service event or record update for years: does the machine still run?",
}


def data_health(
    assets: Iterable[AssetFacts], today: date, stale_years: int = 3
) -> tuple[int, int, list[Finding]]:
    """Score (0-100: share of assets with no finding), asset count, and the findings to fix."""
    assets = list(assets)
    found: dict[str, list[int]] = {check: [] for check in CHECK_MESSAGES}
    serials = Counter(a.serial.strip().upper() for a in assets if a.serial and a.serial.strip())
    stale_before = date(today.year - stale_years, today.month, min(today.day, 28))
    for a in assets:
        if not a.serial or not a.serial.strip():
            found["missing_serial"].append(a.id)
        elif serials[a.serial.strip().upper()] > 1:
            found["duplicate_serial"].append(a.id)
        if not a.model or not a.model.strip():
            found["missing_model"].append(a.id)
        if a.install_date is None:
            found["missing_install_date"].append(a.id)
        elif a.install_date > today or a.install_date < EARLIEST_PLAUSIBLE_INSTALL:
            found["implausible_install_date"].append(a.id)
        if a.install_date and a.warranty_end and a.warranty_end < a.install_date:
            found["warranty_before_install"].append(a.id)
        if a.site_id is None:
            found["missing_site"].append(a.id)
        if a.last_touched is not None and a.last_touched < stale_before:
            found["stale"].append(a.id)
    flawed = {i for ids in found.values() for i in ids}
    score = 100 if not assets else round(100 * (len(assets) - len(flawed)) / len(assets))
    findings = [Finding(c, CHECK_MESSAGES[c], ids) for c, ids in found.items() if ids]
    return score, len(assets), findings


def counts(values: Iterable[str], order: Iterable[str] = ()) -> list[tuple[str, int]]:
    """Count labels; labels in ``order`` come first in that order (zeros kept), others by count."""
    counter = Counter(values)
    ordered = [(label, counter.pop(label, 0)) for label in order]
    return ordered + sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))


def convert_sum(
    amounts: Iterable[tuple[int, str, date]],
    rates: Mapping[str, list[tuple[date, float]]],
    company_currency: str,
) -> tuple[int, list[str]]:
    """Sum minor-unit amounts into the company currency by ``kit.money.convert_sum``.

    Currencies without any rate are left out of the sum and named.
    """
    done = money.convert_sum(amounts, rates, company_currency)
    return done.cents, sorted(done.unconverted)
