"""Consent's pure rules: an agreement's state, what a change is, and each purpose in plain words.

No database and no I/O: the service loads the agreement, asks these rules, and persists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

DATA_KINDS = ("status", "usage", "energy", "process")
PURPOSES = ("contract_verification", "service_offers", "product_development", "billing")
STATES = ("active", "narrowed", "upcoming", "revoked", "expired")

# What each purpose is used for, in the words the customer reads on the portal and the record.
PURPOSE_TEXT = {
    "contract_verification": (
        "Contract verification: we compute your machines' availability to bill and report the "
        "availability contract; nothing else."
    ),
    "service_offers": (
        "Service offers: we look at how your machines run (hours, stops, energy) to suggest "
        "services that fit them, and to work out a value case with you."
    ),
    "product_development": (
        "Product development: our engineers study how the machines behave in use to improve "
        "future machines; never to sell to you."
    ),
    "billing": (
        "Billing: we read the metered hours of machines on a usage contract to bill what was used."
    ),
}
KIND_TEXT = {
    "status": "running, idle and stopped states",
    "usage": "operating hours and stops",
    "energy": "energy metered (kWh)",
    "process": "process values (temperatures, pressures, cycle counts)",
}
# The computations that read consented data, as the record of use names them.
COMPUTATIONS = {
    "availability_evaluation": "Availability evaluation (contract reports and evaluation)",
    "billing_meter": "Billing usage meter",
    "lead_features": "Lead generation (usage features)",
    "value_case_energy": "Value case (energy)",
}


@dataclass(frozen=True)
class Terms:
    """What an agreement allows: data kinds, purposes, and until when (None: open-ended)."""

    data_kinds: frozenset[str]
    purposes: frozenset[str]
    valid_to: datetime | None


def state_of(
    valid_from: datetime,
    valid_to: datetime | None,
    revoked_at: datetime | None,
    narrowed_at: datetime | None,
    now: datetime,
) -> str:
    """One of STATES at ``now``: revoked wins over expired, narrowed over active."""
    if revoked_at is not None:
        return "revoked"
    if valid_to is not None and valid_to <= now:
        return "expired"
    if valid_from > now:
        return "upcoming"
    return "narrowed" if narrowed_at is not None else "active"


def _later(a: datetime | None, b: datetime | None) -> bool:
    """Whether end ``a`` lies after end ``b`` (None: never ends)."""
    if a is None:
        return b is not None
    return b is not None and a > b


def kind_of_change(before: Terms, after: Terms) -> str | None:
    """'widen' (only a longer period), 'narrow' (fewer kinds or purposes, or a shorter period)
    or None when nothing changes. More kinds or purposes are refused before (``more_than``)."""
    if before == after:
        return None
    fewer = after.data_kinds < before.data_kinds or after.purposes < before.purposes
    longer = _later(after.valid_to, before.valid_to)
    return "widen" if longer and not fewer else "narrow"


def more_than(before: Terms, after: Terms) -> dict[str, list[str]]:
    """The kinds and purposes ``after`` adds to ``before`` (field -> added values)."""
    out = {
        "data_kinds": sorted(after.data_kinds - before.data_kinds),
        "purposes": sorted(after.purposes - before.purposes),
    }
    return {k: v for k, v in out.items() if v}


def unknown(data_kinds: list[str], purposes: list[str]) -> dict[str, list[str]]:
    """The unknown kinds and purposes of a request (field -> values), empty when all are known."""
    out = {
        "data_kinds": [k for k in data_kinds if k not in DATA_KINDS],
        "purposes": [p for p in purposes if p not in PURPOSES],
    }
    return {k: v for k, v in out.items() if v}


def month_of(moment: datetime) -> str:
    """YYYY-MM of a moment (the month a computation ran in)."""
    return f"{moment.year:04d}-{moment.month:02d}"


def previous_month(month: str) -> str:
    """The month before a YYYY-MM month."""
    year, m = int(month[:4]), int(month[5:7])
    return f"{year - 1:04d}-12" if m == 1 else f"{year:04d}-{m - 1:02d}"
