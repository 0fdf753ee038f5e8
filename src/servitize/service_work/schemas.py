"""What the API of service work takes: bounded inputs, so bad input answers 422 naming the
field, never a 500."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from servitize.core.dates import SaneDate
from servitize.core.inputs import Id, Input, Number, Text

Short = Annotated[Text, Field(min_length=1, max_length=200)]
Long = Annotated[Text, Field(max_length=4000)]
Skill = Annotated[Text, Field(min_length=1, max_length=40)]
Key = Annotated[Text, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Clock = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
Checklist = Annotated[list[Annotated[Text, Field(max_length=200)]], Field(max_length=40)]
Kind = Literal["repair", "maintenance", "inspection", "installation", "visit", "remote"]
Status = Literal["new", "scheduled", "in_progress", "done", "cancelled"]


class WorkCreate(Input):
    """A new work order: by hand, or from a visit (``visit_id``) or a lead (``lead_id``)."""

    account_id: Id
    title: Short
    asset_id: Id | None = None
    description: Long | None = None
    kind: Kind = "repair"
    required_skill: Skill | None = None
    due_on: SaneDate | None = None
    checklist: Checklist = Field(default_factory=list)
    visit_id: Id | None = None
    lead_id: Id | None = None


class StatusMove(Input):
    """A status move, with an optional note; ``client_key`` makes a resend harmless."""

    status: Status
    note: Annotated[Text, Field(max_length=500)] | None = None
    client_key: Key | None = None


class Tick(Input):
    """Tick or untick checklist item ``index`` (from 0)."""

    index: Annotated[int, Field(ge=0, le=39)]
    done: bool = True


class ChecklistItem(Input):
    """A checklist item to add."""

    item: Annotated[Text, Field(min_length=1, max_length=200)]


class EntryIn(Input):
    """A note, hours worked or a spare part used."""

    kind: Literal["note", "time", "part"]
    text: Long | None = None
    hours: Annotated[Number, Field(gt=0, le=24)] | None = None
    offering_id: Id | None = None
    quantity: Annotated[Number, Field(gt=0, le=10_000)] | None = None
    client_key: Key | None = None


class Scheduling(Input):
    """A slot for a work order (``work_order_id``) or a signed sheet line (``line_id``)."""

    work_order_id: Id | None = None
    line_id: Id | None = None
    technician_id: Id
    day: SaneDate
    start: Clock | None = None
    minutes: Annotated[int, Field(ge=15, le=1440)] | None = None


class Skills(Input):
    """A technician's skills (replacing those they had)."""

    skills: Annotated[list[Skill], Field(max_length=20)]


class PlanCreate(Input):
    """A preventive-maintenance plan: one machine or one availability contract; every so many
    months or operating hours."""

    name: Short
    account_id: Id
    start_on: SaneDate
    asset_id: Id | None = None
    contract_id: Id | None = None
    interval_months: Annotated[int, Field(ge=1, le=120)] | None = None
    interval_hours: Annotated[Number, Field(ge=1, le=100_000)] | None = None
    kind: Kind = "maintenance"
    checklist: Checklist = Field(default_factory=list)
    required_skill: Skill | None = None


class PlanChange(Input):
    """Pause or resume a plan."""

    active: bool


class PlanRun(Input):
    """Run one plan (or every active plan)."""

    plan_id: Id | None = None
