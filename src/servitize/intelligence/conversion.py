"""A lead becomes an opportunity: the lead is converted, and whatever tracks its clock stops.

The port of "Open an opportunity" (sales opens it, servitize.sales.editing_leads): sales may not
import field (they are siblings), yet the lead's route in the inboxes (field) must close in the
same transaction. So this lower layer holds the port: a capability that keeps a clock on leads
registers a ``ClockStop`` here when it is imported (field does, in field.service), and
``convert`` calls each one after marking the lead. The routing batch closes any route of a
converted lead left open too (field.service.close_routes_of_closed_leads), so nothing stays
open where field was not loaded.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from servitize.core.errors import Conflict
from servitize.intelligence.models import Lead, LeadStatus
from servitize.trust.audit import Actor, record


class ClockStop(Protocol):
    """Stops the clocks kept on a lead that became an opportunity."""

    def __call__(self, session: Session, actor: Actor, lead: Lead, reason: str) -> None: ...


_CLOCK_STOPS: list[ClockStop] = []


def stop_clocks_with(stop: ClockStop) -> None:
    """Register a capability's clock stop (once; registering it again changes nothing)."""
    if stop not in _CLOCK_STOPS:
        _CLOCK_STOPS.append(stop)


def convert(session: Session, actor: Actor, lead: Lead, opportunity_id: int) -> Lead:
    """Mark an open lead converted into the opportunity and stop its clocks; audited.
    A lead that is not open any more answers 409 (converted twice, dismissed, expired)."""
    if lead.status != LeadStatus.open:
        raise Conflict(f"lead {lead.id} is {lead.status}, not open; nothing was opened")
    lead.status = LeadStatus.converted
    reason = f"opportunity {opportunity_id} opened"
    record(
        session,
        actor,
        "convert",
        "lead",
        lead.id,
        before={"status": LeadStatus.open.value},
        after={"status": LeadStatus.converted.value, "opportunity_id": opportunity_id},
        note=reason,
    )
    for stop in _CLOCK_STOPS:
        stop(session, actor, lead, reason)
    session.flush()
    return lead
