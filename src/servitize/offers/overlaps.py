"""No machine under two availability contracts at once. A pure rule, no I/O.

An availability contract promises a machine's uptime and settles a fee against it; two such
promises on one machine at the same time would pay (or charge) the same hours twice. Accepting a
quote with an availability clause therefore refuses a machine already under an availability
contract whose validity overlaps the new one's (from the acceptance day, open-ended).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class InForce:
    """An availability contract as the rule sees it."""

    name: str  # its external id, as the message names it
    serials: frozenset[str] | None  # None: every machine of its account
    valid_from: datetime
    valid_to: datetime | None  # None: open-ended; the end is exclusive


def overlaps(contract: InForce, start: datetime, end: datetime | None = None) -> bool:
    """Whether the contract runs at some moment of [start, end) (end None: open-ended)."""
    ends_before = contract.valid_to is not None and contract.valid_to <= start
    starts_after = end is not None and contract.valid_from >= end
    return not (ends_before or starts_after)


def doubly_covered(
    serials: Iterable[str],
    start: datetime,
    existing: Iterable[InForce],
    end: datetime | None = None,
) -> list[tuple[str, str]]:
    """(machine serial, contract) for each machine of ``serials`` that an existing contract
    covers while the new one would run, sorted by serial."""
    wanted = set(serials)
    out = set()
    for c in existing:
        if not overlaps(c, start, end):
            continue
        covered = wanted if c.serials is None else wanted & c.serials
        out |= {(serial, c.name) for serial in covered}
    return sorted(out)


def message(found: list[tuple[str, str]]) -> str:
    """ "machine PX-001 is already under availability contract AV-DEMO-1; …"."""
    return "; ".join(
        f"machine {serial} is already under availability contract {name}" for serial, name in found
    ) + (
        " — a machine is under one availability contract at a time: end the other contract "
        "first, or leave the machine out of this quote"
    )
