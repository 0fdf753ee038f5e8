"""The portal's pure rules: addresses, a machine's status in words, what a dispute may ask."""

from __future__ import annotations

from datetime import date

from servitize.core.errors import InvalidInput

# How a downtime period can be classified, and what each means for the customer.
STATES = ("down", "planned_maintenance", "excluded")
STATE_WORDS = {
    "down": "unplanned downtime (counts against availability)",
    "planned_maintenance": "planned maintenance (does not count)",
    "excluded": "excluded (outside our responsibility, does not count)",
}
COVERAGE_WORDS = {"none": "no service contract", "warranty": "under warranty"}


def email(text: str) -> str:
    """An email address, trimmed and in lower case; InvalidInput naming the field otherwise."""
    address = text.strip().lower()
    local, _, domain = address.partition("@")
    if not local or "." not in domain or " " in address or len(address) > 254:
        raise InvalidInput(f"email: not an email address: {text!r}")
    return address


def machine_status(
    coverage: str, contract_end: date | None, warranty_end: date | None, today: date
) -> str:
    """A machine's coverage and contract status as the customer reads it."""
    if contract_end is not None and contract_end >= today:
        return f"{coverage.replace('_', ' ')} until {contract_end:%d %b %Y}"
    if warranty_end is not None and warranty_end >= today:
        return f"under warranty until {warranty_end:%d %b %Y}"
    if contract_end is not None:
        return f"contract ended {contract_end:%d %b %Y}"
    return COVERAGE_WORDS.get(coverage, coverage.replace("_", " "))


def check_dispute(state: str, asked_state: str, reason: str) -> None:
    """A dispute asks another classification than the period has, and says why."""
    if asked_state not in STATES:
        raise InvalidInput(f"asked_state: one of {', '.join(STATES)}")
    if state == asked_state:
        raise InvalidInput(f"asked_state: the period is classified as {asked_state} already")
    if len(reason.strip()) < 3:
        raise InvalidInput("reason: say why the period was classified wrongly")
