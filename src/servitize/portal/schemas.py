"""The portal's JSON: what a customer reads (customer-facing words only) and sends."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from servitize.core.inputs import Id, Input, Moment, Text

State = Literal["down", "planned_maintenance", "excluded"]


class PortalAccount(BaseModel):
    """An account the customer user sees."""

    id: int
    name: str


class Machine(BaseModel):
    """A machine with its coverage and contract status, as the customer reads it."""

    id: int
    account_id: int
    account: str
    serial: str | None
    model: str | None
    coverage: str
    contract_end: date | None
    warranty_end: date | None
    availability_contract: str | None  # the availability contract covering it, if any
    status: str  # the contract status in words


class ContractMonth(BaseModel):
    """An availability contract with one month's result (the same figures staff see)."""

    id: int
    contract: str
    name: str
    account_id: int
    month: str
    availability_pct: float | None
    target_pct: float
    result: str
    amount: Decimal
    currency: str


class Stop(BaseModel):
    """A downtime period of a report month (no internal cause)."""

    serial: str
    state: str
    start: datetime
    end: datetime
    hours_in_month: float
    source: str
    disputed: bool = False


class DisputeIn(Input):
    """The customer's dispute of one downtime period."""

    contract_id: Id
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    serial: Text = Field(min_length=1, max_length=120)
    start: Moment
    asked_state: State
    reason: Text = Field(min_length=3, max_length=2000)


class DisputeAnswer(Input):
    """The service manager's answer, shown to the customer."""

    upheld: bool
    answer: Text = Field(min_length=3, max_length=2000)


class DisputeRead(BaseModel):
    """A dispute and its outcome: the month's amount before and after."""

    id: int
    account_id: int
    contract_id: int
    month: str
    serial: str
    start: datetime
    end: datetime
    state: str
    asked_state: str
    reason: str
    status: str
    answer: str | None
    answered_at: datetime | None
    currency: str
    amount_before: Decimal
    amount_after: Decimal | None


class QuoteLineRead(BaseModel):
    """A quote line as the customer reads it."""

    name: str
    price: str
    quantity: Decimal
    discount_pct: Decimal


class ChangeRequestRead(BaseModel):
    """A customer's request for changes to a quote, and the staff's answer in words."""

    id: int
    quote_id: int
    message: str
    asked_at: datetime
    asked_by: str | None
    status: str  # open, revised, closed
    answer: str | None
    answered_at: datetime | None
    answered_by: str | None = None  # staff's name: on the staff's page only
    revision_id: int | None


class ChangeAnswer(Input):
    """Staff answer a request for changes: a new revision of the quote, or closed with words."""

    action: Literal["revise", "close"]
    answer: Text = Field(min_length=3, max_length=2000)


class PortalQuote(BaseModel):
    """A quote as the customer reads it: no internal notes, approvals or reasons."""

    id: int
    number: str
    revision: int
    account_id: int
    title: str
    status: str
    valid_until: date
    currency: str
    term_months: int
    one_time: Decimal
    monthly: Decimal
    contract_value: Decimal
    clause: str | None
    lines: list[QuoteLineRead]
    accepted_at: datetime | None
    accepted_by: str | None
    change_requests: list[str]
    answers: list[ChangeRequestRead] = []
    may_accept: bool


class AcceptIn(Input):
    """Who accepts on the customer's side."""

    name: Text = Field(min_length=2, max_length=200)


class ChangesIn(Input):
    """What the customer would like changed."""

    message: Text = Field(min_length=3, max_length=4000)


class Accepted(BaseModel):
    """What an acceptance created."""

    quote_id: int
    status: str
    contracts: list[str]
    orders: int


class SheetLine(BaseModel):
    """A sign-up sheet's line as the customer reads it."""

    id: int
    name: str
    quantity: int
    amount: Decimal
    currency: str
    ticked: bool


class PortalSheet(BaseModel):
    """A sign-up sheet to sign remotely."""

    id: int
    account_id: int
    status: str
    signer_name: str | None
    signed_at: datetime | None
    lines: list[SheetLine]


class SignIn(Input):
    """The customer's remote signature: the lines they tick and their typed name."""

    line_ids: list[Id] = Field(min_length=1, max_length=20)
    signer_name: Text = Field(min_length=2, max_length=200)
    agree: Literal[True]


class SurveyRead(BaseModel):
    """A satisfaction survey: open ones carry the link to answer them."""

    id: int
    account_id: int
    sent_at: datetime
    answered: bool
    link: str | None


class RequestIn(Input):
    """What the customer needs, for which machine (optional)."""

    account_id: Id
    asset_id: Id | None = None
    text: Text = Field(min_length=3, max_length=4000)


class RequestRead(BaseModel):
    """A service request and where it stands."""

    id: int
    account_id: int
    asset_id: int | None
    text: str
    status: str
    created_at: datetime
    lead_id: int | None
    work_order_id: int | None = None
    work_order_status: str | None = None  # new, scheduled, in_progress, done, cancelled
    work_order_due_on: date | None = None


class RequestHandle(Input):
    """Staff turn a request into a lead (with an estimated value), a work order, or close it."""

    action: Literal["lead", "work_order", "close"]
    estimated_value: Decimal = Field(default=Decimal(0), ge=0, le=100_000_000, decimal_places=2)


class InviteIn(Input):
    """Whom to invite to the portal of an account."""

    account_id: Id
    email: Text = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    full_name: Text | None = Field(default=None, max_length=200)


class InviteOut(BaseModel):
    """The invitation: the link to pass on (None when the address had access already)."""

    invitation_id: int | None
    link: str | None
    mailed: bool
    expires_at: datetime | None
    existing_user: str | None


class PortalUser(BaseModel):
    """A customer user and one account they see."""

    user_id: int
    username: str
    full_name: str
    active: bool
    account_id: int
    account: str
