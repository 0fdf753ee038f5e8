"""Pydantic shapes of the field API: lead reports, routes, visits, sheets, leaderboard."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from servitize.core.dates import SaneDate
from servitize.core.inputs import Id, Input, Moment
from servitize.field.rules import SEEN
from servitize.installed_base.schemas import Unconverted

PHOTO_MAX = 400_000  # characters of a data URL (a phone photo scaled down by the page)
SIGNATURE_MAX = 300_000
Seen = Literal[
    "wear",
    "leak",
    "repeat_fault",
    "old_machine",
    "competitor_machine",
    "no_contract",
    "customer_asked",
    "energy",
    "other",
]
assert set(Seen.__args__) == set(SEEN)  # type: ignore[attr-defined]


def _image(value: str | None, limit: int, what: str) -> str | None:
    if value in (None, ""):
        return None
    if not value.startswith(("data:image/png;base64,", "data:image/jpeg;base64,")):
        raise ValueError(f"the {what} must be a PNG or JPEG data URL")
    if len(value) > limit:
        raise ValueError(f"the {what} is too large ({len(value):,} > {limit:,} characters)")
    return value


class LeadReport(Input):
    """What a technician saw, in standard fields: a lead reported in seconds."""

    account_id: Id
    asset_id: Id | None = None
    offering_id: Id | None = None
    seen: Seen = "other"
    observation: str = Field(min_length=3, max_length=500)
    estimated_value: Decimal = Field(ge=0, le=100_000_000, decimal_places=2)
    visit_id: Id | None = None
    photo: str | None = None
    client_key: str | None = Field(
        default=None, min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$"
    )

    @field_validator("photo")
    @classmethod
    def _photo(cls, value: str | None) -> str | None:
        return _image(value, PHOTO_MAX, "photo")


class UserName(BaseModel):
    """A user as lists show them."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    full_name: str = ""


class LeadRouted(BaseModel):
    """Where a new lead went and why."""

    lead_id: int
    account_id: int
    route: str
    assigned_to: UserName | None
    reason: str
    visit_id: int | None
    stage: str
    due: date | None


class InboxItem(BaseModel):
    """A lead on someone's list, with its clock."""

    lead_id: int
    account_id: int
    account: str
    offering_key: str
    source: str
    story: str
    evidence: dict[str, Any]
    evidence_words: list[str] = Field(default_factory=list, description="The evidence as sentences")
    score: float
    estimated_value: Decimal
    currency: str
    route: str
    assigned_to: UserName | None
    reason: str
    visit_id: int | None
    stage: str
    lead_status: str
    seen: str | None
    reported_at: Moment
    first_action_at: Moment | None
    proposal_at: Moment | None
    closed_at: Moment | None
    due: date | None
    overdue: bool
    escalated_at: Moment | None
    escalated_to: UserName | None
    close_reason: str | None
    has_photo: bool
    awaiting_owner: bool = Field(
        default=False, description="Sold on site; waits for the account owner's confirmation"
    )


class InboxPage(BaseModel):
    """One page of the lead inbox."""

    items: list[InboxItem]
    total: int
    limit: int
    offset: int


class LeadAction(Input):
    """A step on a lead's clock: confirm, act, propose, win, lose, dismiss."""

    action: Literal["confirm", "act", "propose", "win", "lose", "dismiss"]
    reason: str | None = Field(default=None, max_length=300)


class VisitCreate(Input):
    """A scheduled service job."""

    account_id: Id
    day: SaneDate
    job_type: str = Field(default="maintenance", min_length=2, max_length=40)
    site_id: Id | None = None
    technician_id: Id | None = None  # default: the user creating it
    # Time of day it starts (none: any time of the day) and how long it takes, in minutes.
    start_time: time | None = None
    duration_minutes: int | None = Field(default=None, ge=1, le=1440)

    @field_validator("start_time")
    @classmethod
    def _minutes(cls, value: time | None) -> time | None:
        if value is not None and (value.second or value.microsecond or value.tzinfo):
            raise ValueError("a start time is written HH:MM (no seconds, no time zone)")
        return value


class VisitRead(BaseModel):
    """A visit as lists show it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str
    technician_id: int
    account_id: int
    site_id: int | None
    day: date
    job_type: str
    start_time: time | None = None
    duration_minutes: int | None = None


class SheetLineRead(BaseModel):
    """One activity on a sign-up sheet."""

    id: int
    offering_id: int
    name: str
    reason: str
    lead_id: int | None
    quantity: float
    unit_price: Decimal
    amount: Decimal  # unit price x quantity, rounded as the order is
    currency: str
    ticked: bool
    order_id: int | None


class SheetRead(BaseModel):
    """A sign-up sheet with its lines."""

    id: int
    visit_id: int
    account_id: int
    account: str
    technician_id: int
    status: str
    signer_name: str | None
    signed_on: str | None
    signed_at: Moment | None
    lines: list[SheetLineRead]
    # The ticked lines' sum: in the lines' currency when they share one, else in the company
    # currency at the rates in force on the signing day (kit.money); lines in a currency
    # without a rate are not in it but listed apart, in their own currency.
    total_ticked: Decimal
    currency: str
    unconverted: list[Unconverted] = []


class SheetLines(Input):
    """The technician's adjustment: which catalogue items the sheet offers."""

    offering_ids: list[Id] = Field(min_length=1, max_length=20)


class Signing(Input):
    """The customer's ticks and signature (drawn on screen, or on paper)."""

    line_ids: list[Id] = Field(min_length=1, max_length=20)
    signer_name: str = Field(min_length=2, max_length=200)
    signed_on: Literal["screen", "paper"] = "screen"
    signature: str | None = None

    @field_validator("signature")
    @classmethod
    def _signature(cls, value: str | None) -> str | None:
        return _image(value, SIGNATURE_MAX, "signature")


class Feedback(Input):
    """The customer's rating of a visit."""

    rating: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=500)


class BestPracticeCreate(Input):
    """A best-practice note to share."""

    title: str = Field(min_length=3, max_length=120)
    body: str = Field(min_length=10, max_length=4000)


class ContestCreate(Input):
    """A monthly contest; the prize is recognition, never money."""

    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    region: str | None = Field(default=None, max_length=80)
    title: str = Field(min_length=3, max_length=200)
    prize: str = Field(min_length=3, max_length=200)


class Standing(BaseModel):
    """One technician on the leaderboard (points and counts, no amounts)."""

    rank: int
    user: UserName
    region: str | None
    points: int
    confirmed_leads: int
    signed_sheets: int
    good_feedback: int
    badges: list[str]


class ContestRead(BaseModel):
    """A monthly contest as the leaderboard lists it."""

    id: int
    title: str
    prize: str | None
    region: str | None
    month: str


class BestPracticeRead(BaseModel):
    """A shared best-practice note: who wrote it, and the day (YYYY-MM-DD)."""

    id: int
    title: str
    body: str
    region: str | None
    author: str
    day: str


class Leaderboard(BaseModel):
    """A month's standings in a region, its contests and the shared best practices."""

    month: str
    region: str | None
    standings: list[Standing]
    contests: list[ContestRead]
    best_practices: list[BestPracticeRead]


class Created(BaseModel):
    """The id of what was just added."""

    id: int


class FeedbackSaved(BaseModel):
    """A visit's feedback as stored."""

    id: int
    rating: int


class HandedOver(BaseModel):
    """An account's new owner and how many open leads went with the account."""

    account_id: int
    owner_id: int
    leads_moved: int
