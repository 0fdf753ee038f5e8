"""What the sales API and pages take in and give out (Pydantic)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from servitize.core.dates import SaneDate
from servitize.core.inputs import Amount, Id, Input, Moment, Terms
from servitize.sales.models import OfferingType, Source
from servitize.sales.process import ActorRole, Gate, Layer, TeamRole

Risk = Literal["low", "medium", "high"]
Result = Literal["won", "lost", "no_bid", "rejected"]


class Out(BaseModel):
    """Base of every read schema: built from ORM rows or dicts."""

    model_config = ConfigDict(from_attributes=True)


class OpportunityCreate(Input):
    """A new opportunity: from the account 360, a customer enquiry / RFQ, or a lead."""

    account_id: Id
    title: str = Field(min_length=1, max_length=200)
    source: Source = Source.account
    # None: the process template of the account's organisation type (org_types), else project.
    offering_type: OfferingType | None = None
    value: Amount | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    probability: int | None = Field(default=None, ge=0, le=100)
    risk: Risk = "medium"
    expected_close: SaneDate | None = None
    owner_id: Id | None = None
    lead_id: Id | None = None
    lead_story: str | None = Field(default=None, max_length=5000)
    lead_evidence: dict[str, Any] | None = None
    enquiry_ref: str | None = Field(default=None, max_length=80)
    terms: Terms | None = None


class OpportunityUpdate(Input):
    """Fields of an opportunity that may change; absent fields stay as they are."""

    not_null = ("title", "risk", "currency")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    value: Amount | None = Field(default=None, ge=0)
    contract_value: Amount | None = Field(default=None, gt=0)
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    probability: int | None = Field(default=None, ge=0, le=100)
    risk: Risk | None = None
    expected_close: SaneDate | None = None
    owner_id: Id | None = None
    terms: Terms | None = None
    renewal_on: SaneDate | None = None
    commissioned_on: SaneDate | None = None
    # The version the client edited (OpportunityRead.version): 409 when it changed since.
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)


class OpportunityRead(Out):
    """An opportunity as listed."""

    id: int
    account_id: int
    account_name: str
    title: str
    source: str
    offering_type: str
    phase: int
    phase_name: str
    status: str
    value: Decimal | None
    contract_value: Decimal | None
    currency: str
    probability: int
    risk: str
    expected_close: date | None
    owner: str | None
    lead_id: int | None
    lead_story: str | None
    lead_evidence: dict[str, Any] | None
    enquiry_ref: str | None
    terms: dict[str, Any] | None
    days_in_phase: int
    renewal_on: date | None
    commissioned_on: date | None
    created_at: Moment
    version: int = 1  # send it back with a change so that a stale copy answers 409


class ActivityIn(Input):
    """An activity added by hand to an opportunity's blueprint."""

    phase: int = Field(ge=1, le=5)
    title: str = Field(min_length=1, max_length=200)
    actor: ActorRole
    layer: Layer
    touchpoint: bool = False
    required: bool = False
    due_on: SaneDate | None = None
    owner_id: Id | None = None


class ActivityUpdate(Input):
    """A change of an activity: status, due date, owner, notes."""

    not_null = ("status",)

    status: Literal["open", "done", "skipped"] | None = None
    due_on: SaneDate | None = None
    owner_id: Id | None = None
    notes: str | None = Field(default=None, max_length=5000)
    # The version the client edited (ActivityRead.version): 409 when it changed since.
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)


class ActivityRead(Out):
    """A micro-activity with its place in the blueprint."""

    id: int
    opportunity_id: int
    code: str | None
    phase: int
    title: str
    actor: str
    layer: str
    touchpoint: bool
    required: bool
    due_on: date | None
    owner_id: int | None
    status: str
    done_on: date | None
    notes: str | None
    late: bool = False
    version: int = 1  # send it back with a change so that a stale copy answers 409


class DecisionIn(Input):
    """A gate decision and why."""

    gate: Gate
    decision: Literal["go", "no_go"]
    reason: str = Field(min_length=3, max_length=2000)
    confirm: bool = Field(False, description="a no-go is recorded only when confirmed")

    @field_validator("decision", mode="before")
    @classmethod
    def _dash(cls, value: object) -> object:
        return value.replace("-", "_") if isinstance(value, str) else value


class DecisionRead(Out):
    """A recorded gate decision: who, when, why."""

    id: int
    gate: str
    decision: str
    reason: str
    phase: int
    decided_by: str
    decided_at: Moment
    details: dict[str, Any] | None
    superseded_at: Moment | None = None


class ReopenIn(Input):
    """Why a manager reopens an opportunity closed by a no-go."""

    reason: str = Field(min_length=3, max_length=2000)


class TeamMemberIn(Input):
    """A nomination into the opportunity's team (a user, or a named person)."""

    role: TeamRole
    user_id: Id | None = None
    name: str | None = Field(default=None, max_length=200)
    engaged_on: SaneDate | None = None


class TeamMemberRead(Out):
    """A team member with when they were engaged and whether that was early."""

    id: int
    role: str
    user_id: int | None
    name: str
    engaged_on: date
    engaged_phase: int
    early: bool = False


class HandoverIn(Input):
    """The sales order review checklist, ticked item by item."""

    checklist: dict[str, bool]
    project_manager: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=5000)
    # The version of the review the client edited (HandoverRead.version; 0: there was none):
    # 409 when someone saved it since, instead of putting back the project manager it showed.
    version: int | None = Field(default=None, ge=0, le=2**31 - 1)


class HandoverRead(Out):
    """The handover to the project office and whether it is complete."""

    checklist: dict[str, bool]
    project_manager: str | None
    notes: str | None
    completed_at: Moment | None
    version: int = 1


class OutcomeIn(Input):
    """Win/loss analysis: result, structured reasons, lessons learned, reference consent."""

    result: Result
    reasons: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=50
    )
    competitor: str | None = Field(default=None, max_length=80)
    lessons: str | None = Field(default=None, max_length=5000)
    contract_value: Amount | None = Field(default=None, gt=0)
    reference_case: bool = False
    reference_summary: str | None = Field(default=None, max_length=2000)
    # The version of the analysis the client edited (OutcomeRead.version; 0: there was none):
    # 409 when someone recorded or changed it since, instead of overwriting their analysis.
    version: int | None = Field(default=None, ge=0, le=2**31 - 1)


class OutcomeRead(Out):
    """A recorded win/loss analysis."""

    opportunity_id: int
    title: str = ""
    account_name: str = ""
    result: str
    reasons: list[str]
    competitor: str | None
    lessons: str | None
    reference_case: bool
    reference_summary: str | None
    recorded_by: str
    version: int = 1


class OpportunityDetail(BaseModel):
    """Everything about one opportunity: blueprint activities, gates, team, handover, outcome."""

    opportunity: OpportunityRead
    activities: list[ActivityRead]
    decisions: list[DecisionRead]
    gates: dict[str, str | None]
    gates_needed: list[str]
    advance_blockers: list[str]
    team: list[TeamMemberRead]
    handover: HandoverRead | None
    outcome: OutcomeRead | None


class AdvanceResult(BaseModel):
    """The phase an opportunity moved to."""

    id: int
    from_phase: int
    phase: int
    phase_name: str


class UnconvertedAmount(BaseModel):
    """Open value in a currency without an exchange rate in force, in its own currency."""

    currency: str
    value: Decimal | None
    weighted: Decimal | None


class ForecastTotal(BaseModel):
    """The open pipeline in the company currency, and what could not be converted."""

    currency: str
    count: int
    value: Decimal | None
    weighted: Decimal | None
    not_converted: list[str]
    unconverted: list[UnconvertedAmount]


class ForecastPhase(BaseModel):
    """Open opportunities of one phase in one currency."""

    phase: int
    phase_name: str
    currency: str
    count: int
    value: Decimal | None
    weighted: Decimal | None


class PhaseStat(BaseModel):
    """Conversion, cycle time and stalls of one phase."""

    phase: int
    phase_name: str
    reached: int
    moved_on: int
    open: int
    stalled: int
    conversion: float | None
    cycle_days: float | None


class Stalled(BaseModel):
    """An open opportunity past its phase's stall days."""

    id: int
    title: str
    phase: int
    days_in_phase: int


class Forecast(BaseModel):
    """The weighted forecast, conversion and cycle time per phase, and stalls."""

    total: ForecastTotal
    phases: list[ForecastPhase]
    stats: list[PhaseStat]
    stalled: list[Stalled]
    stalls_most_in_phase: int | None
    won: int
    lost: int


class RetentionRow(BaseModel):
    """A won opportunity after delivery: its renewal and its last touch-point."""

    id: int
    title: str
    account_id: int
    account_name: str | None
    phase: int
    commissioned_on: date | None
    renewal_on: date | None
    days_to_renewal: int | None
    last_touchpoint: date | None
    dormant: bool


class SurveyAnswer(BaseModel):
    """One customer's answer to a satisfaction survey."""

    opportunity_id: int
    satisfaction: int | None
    recommend: int | None
    comment: str | None
    answered_at: datetime | None


class AccountSurveys(BaseModel):
    """An account's surveys: how many were sent and answered, satisfaction, net promoter score."""

    account_id: int
    sent: int
    answered: int
    satisfaction: int | float | None  # the mean as computed: 4 stays 4, 4.5 is 4.5
    nps: int | None
    answers: list[SurveyAnswer]


class SurveyLink(BaseModel):
    """A survey sent: its signed token and the link the customer answers without a login."""

    survey_id: int
    token: str
    url: str
