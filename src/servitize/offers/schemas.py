"""What the offers API reads and answers (amounts in major units, as strings of two decimals)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from servitize.core.dates import SaneDate
from servitize.kit.money import from_cents
from servitize.offers.mrr import Movements


class ClauseIn(BaseModel):
    """An availability clause: its kind and parameters (see contracts.clauses)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["steps", "linear", "bonus", "linear_bonus", "damages"]
    target_pct: Decimal = Field(ge=0, le=100)
    pct_per_point: Decimal | None = Field(default=None, ge=0)
    cap_pct: Decimal | None = Field(default=None, ge=0, le=100)
    floor_pct: Decimal | None = Field(default=None, ge=0, le=100)
    bonus_pct_per_point: Decimal | None = Field(default=None, ge=0)
    bonus_cap_pct: Decimal | None = Field(default=None, ge=0, le=100)
    per_hour_cents: int | None = Field(default=None, ge=0)
    cap_cents: int | None = Field(default=None, ge=0)
    penalty_pct_per_step: Decimal | None = Field(default=None, ge=0, le=100)
    penalty_step_points: Decimal | None = Field(default=None, gt=0, le=100)
    penalty_cap_pct: Decimal | None = Field(default=None, ge=0, le=100)
    bonus_pct_per_step: Decimal | None = Field(default=None, ge=0, le=100)
    bonus_step_points: Decimal | None = Field(default=None, gt=0, le=100)
    min_coverage_pct: Decimal = Field(default=Decimal(90), ge=0, le=100)

    def params(self) -> dict[str, Any]:
        return {
            k: (str(v) if isinstance(v, Decimal) else v)
            for k, v in self.model_dump().items()
            if v is not None
        }


class QuoteTerms(BaseModel):
    """Contract terms checked against the sales policy's borderline."""

    model_config = ConfigDict(extra="forbid")

    payment_days: int | None = Field(default=None, ge=0, le=365)
    liability_cap_pct: Decimal | None = Field(default=None, ge=0, le=1000)
    penalty_cap_pct: Decimal | None = Field(default=None, ge=0, le=100)
    warranty_months: int | None = Field(default=None, ge=0, le=240)
    delivery_weeks: int | None = Field(default=None, ge=0, le=520)


class QuoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_id: int = Field(ge=1)
    opportunity_id: int | None = Field(default=None, ge=1)
    title: str = Field(min_length=1, max_length=200)
    kind: Literal["budget", "fixed"] = "fixed"
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    term_months: int = Field(default=36, ge=1, le=240)
    valid_until: SaneDate | None = None
    terms: QuoteTerms = Field(default_factory=QuoteTerms)
    clause: ClauseIn | None = None
    notes: str | None = Field(default=None, max_length=4000)


class LineIn(BaseModel):
    """A line: an offering of the catalogue (its external id), quantity, discount, bundle."""

    model_config = ConfigDict(extra="forbid")

    offering: str = Field(min_length=1, max_length=80)
    quantity: Decimal = Field(default=Decimal(1), gt=0, le=1_000_000)
    unit_price: Decimal | None = Field(default=None, ge=0, le=10**12, decimal_places=2)
    discount_pct: Decimal = Field(default=Decimal(0), ge=0, le=100, decimal_places=3)
    bundle: str | None = Field(default=None, min_length=1, max_length=120)
    bundle_discount_pct: Decimal = Field(default=Decimal(0), ge=0, le=100, decimal_places=3)
    asset_ids: list[int] | None = Field(default=None, max_length=500)


class LineRead(BaseModel):
    id: int
    position: int
    offering: str
    name: str
    revenue_model: str
    price: str  # in words: "60 EUR / month, 36 months, 3 months' notice"
    unit_price: Decimal
    quantity: Decimal
    discount_pct: Decimal
    bundle: str | None
    bundle_discount_pct: Decimal
    asset_ids: list[int] | None
    # A line priced by a standard formula: its parameters and steps (evidence), in words too.
    formula: dict[str, Any] | None = None
    formula_words: str | None = None


class TotalsRead(BaseModel):
    currency: str
    one_time: Decimal
    monthly_recurring: Decimal
    yearly_recurring: Decimal
    usage_estimate_monthly: Decimal
    contract_value: Decimal
    term_months: int
    contract_value_company: Decimal | None
    company_currency: str


class QuoteRead(BaseModel):
    id: int
    number: str
    revision: int
    account_id: int
    opportunity_id: int | None
    title: str
    kind: str
    status: str
    valid_until: date
    terms: dict[str, Any]
    clause: dict[str, Any] | None
    clause_words: str | None
    lines: list[LineRead]
    totals: TotalsRead
    approval_reasons: list[str]
    approved_by: str | None
    approved_at: datetime | None
    override_reason: str | None
    accepted_at: datetime | None
    accepted_by: str | None
    version: int


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, ge=1)
    reason: str | None = Field(default=None, max_length=2000)


class Acceptance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=200)
    version: int | None = Field(default=None, ge=1)


class FormulaIn(BaseModel):
    """The parameters of a standard price formula, as the seller enters them."""

    model_config = ConfigDict(extra="forbid")

    offering: str = Field(min_length=1, max_length=80)
    machines: int = Field(ge=1, le=100_000)
    size_class: str = Field(min_length=1, max_length=40)
    operating_hours_per_year: Decimal = Field(default=Decimal(0), ge=0, le=8784, decimal_places=2)
    region: str | None = Field(default=None, min_length=1, max_length=40)
    term_months: int | None = Field(default=None, ge=1, le=240)


class FormulaLineIn(FormulaIn):
    """A line priced by the formula (the fixed offer): the parameters and the line's extras."""

    discount_pct: Decimal = Field(default=Decimal(0), ge=0, le=100, decimal_places=3)
    bundle: str | None = Field(default=None, min_length=1, max_length=120)
    bundle_discount_pct: Decimal = Field(default=Decimal(0), ge=0, le=100, decimal_places=3)
    asset_ids: list[int] | None = Field(default=None, max_length=500)


class MrrMonth(BaseModel):
    """One month of the MRR bridge in the company currency (offers' API and kpis' measures)."""

    month: str
    opening: Decimal
    new: Decimal
    expansion: Decimal
    contraction: Decimal
    churn: Decimal
    reactivation: Decimal
    closing: Decimal
    arr: Decimal

    @classmethod
    def of(cls, m: Movements) -> MrrMonth:
        """The month's movements as amounts."""
        return cls(
            month=m.month,
            opening=from_cents(m.opening_cents),
            new=from_cents(m.new_cents),
            expansion=from_cents(m.expansion_cents),
            contraction=from_cents(m.contraction_cents),
            churn=from_cents(m.churn_cents),
            reactivation=from_cents(m.reactivation_cents),
            closing=from_cents(m.closing_cents),
            arr=from_cents(m.arr_cents),
        )
