"""What the API and pages show of the installed base, and the bodies its API receives."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    """Base of every read schema: built from ORM rows or dicts."""

    model_config = ConfigDict(from_attributes=True)


class UserRef(Out):
    """A user as shown next to a record."""

    id: int
    username: str
    full_name: str = ""


class AccountRead(Out):
    """An account as listed."""

    id: int
    external_id: str
    name: str
    kind: str
    industry: str | None
    country: str | None
    territory: str | None
    employees: int | None
    turnover: Decimal | None
    currency: str
    ownership_type: str | None
    owner: UserRef | None
    dealer_id: int | None
    address: str | None = None
    volume: int | None
    profitability_potential: int | None
    technical_risk: int | None
    country_risk: int | None
    relationship_quality: int | None


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a long list; ``total`` counts every match."""

    items: list[T]
    total: int
    limit: int
    offset: int


class ContactRead(Out):
    """A buying-centre member."""

    id: int
    external_id: str
    name: str
    title: str | None
    email: str | None
    phone: str | None
    buying_role: str
    level: str | None
    active: bool = True


class SiteRead(Out):
    """A site with how many machines stand there."""

    id: int
    external_id: str
    name: str
    country: str
    city: str | None
    address: str | None
    assets: int = 0


class AssetRead(Out):
    """A machine of the installed base with its age and derived coverage status."""

    id: int
    external_id: str
    account_id: int
    site_id: int | None
    parent_id: int | None
    serial: str | None
    model: str | None
    product_line: str | None
    manufacturer: str | None
    origin: str
    competitor: str | None
    install_date: date | None
    age_years: float | None
    connectivity: str
    warranty_end: date | None
    coverage: str
    contract_end: date | None
    coverage_status: str
    version: int = 1  # send it back with a change (PATCH) so that a stale copy answers 409


class ServiceEventRead(Out):
    """A work order."""

    id: int
    external_id: str
    asset_id: int
    account_id: int
    day: date
    kind: str
    component: str | None
    parts_cost: Decimal
    currency: str
    labour_hours: float
    downtime_hours: float
    technician_id: int | None
    description: str | None


class CountBy(BaseModel):
    """A count under a label (for summaries and charts)."""

    label: str
    count: int


class InstalledBaseSummary(BaseModel):
    """The installed base of an account in numbers."""

    assets: int
    by_origin: list[CountBy]
    by_age_band: list[CountBy]
    by_connectivity: list[CountBy]
    by_coverage_status: list[CountBy]
    by_product_line: list[CountBy]
    competitors: list[CountBy]


class Unconverted(BaseModel):
    """An amount in a currency without any exchange rate: shown apart, never counted."""

    amount: Decimal
    currency: str


class ServiceHistorySummary(BaseModel):
    """The last twelve months of work orders of an account."""

    since: date
    events: int
    by_kind: list[CountBy]
    top_components: list[CountBy]
    parts_cost: Decimal
    currency: str
    parts_cost_unconverted: list[Unconverted] = []
    labour_hours: float
    downtime_hours: float  # unplanned: repairs only, as in telemetry and the lead stories
    repairs: int = 0
    planned_downtime_hours: float = 0.0  # maintenance stops, shown apart
    recent: list[ServiceEventRead]


class HealthIssue(BaseModel):
    """One kind of flaw in the installed-base records, with the assets to fix."""

    check: str
    message: str
    count: int
    asset_ids: list[int]


class DataHealth(BaseModel):
    """How complete and plausible an account's asset records are (100 = nothing to fix)."""

    score: int
    assets: int
    issues: list[HealthIssue]


class CompetitorRead(Out):
    """A competitor present at an account."""

    id: int
    competitor: str
    product_line: str | None
    notes: str | None


class PurchaseSummary(BaseModel):
    """Purchases of the last twelve months, in the company currency."""

    since: date
    orders: int
    amount: Decimal
    currency: str
    unconverted: list[Unconverted] = []
    last_order: date | None
    by_shell: list[CountBy]


class Account360(BaseModel):
    """One face to the customer: everything known about an account on one page."""

    account: AccountRead
    dealer: AccountRead | None  # only when the user may see the dealer's record
    dealer_name: str | None = None  # the dealer that serves the account, for every user
    contacts_by_role: dict[str, list[ContactRead]]
    sites: list[SiteRead]
    installed_base: InstalledBaseSummary
    service_history: ServiceHistorySummary
    purchases: PurchaseSummary
    competitors: list[CompetitorRead]
    data_health: DataHealth


# Bodies the API receives. They name the fields for the API's documentation and take any JSON
# object: the use case (``buying_centre.parse_contact``, ``fixes.parse_fix``) checks every value
# and answers 422 naming each wrong field, the same answer for a form and for the API.


class ContactBody(BaseModel):
    """A person for an account's buying centre: ``name`` and ``buying_role`` (decision_maker,
    decision_influencer, user, technical, procurement) required; ``level``, ``title``,
    ``email``, ``phone`` optional."""

    model_config = ConfigDict(extra="allow")

    name: Any = Field(default=None, description="2 to 200 characters")
    buying_role: Any = Field(default=None, description="the person's role in the buying centre")
    level: Any = None
    title: Any = None
    email: Any = None
    phone: Any = None

    def values(self) -> dict[str, Any]:
        """The fields as sent (left out stays left out)."""
        return self.model_dump(exclude_unset=True)


class AssetFixBody(BaseModel):
    """A fix of a machine's record: only the fields sent change, ``null`` clears; ``version``
    is the version read (an older one answers 409)."""

    model_config = ConfigDict(extra="allow")

    serial: Any = None
    model: Any = None
    product_line: Any = None
    manufacturer: Any = None
    origin: Any = Field(default=None, description="own or competitor")
    competitor: Any = None
    install_date: Any = Field(default=None, description="YYYY-MM-DD")
    connectivity: Any = Field(default=None, description="none, legacy or current")
    warranty_end: Any = Field(default=None, description="YYYY-MM-DD")
    coverage: Any = None
    contract_end: Any = Field(default=None, description="YYYY-MM-DD")
    site_id: Any = None
    version: Any = None

    def values(self) -> dict[str, Any]:
        """The fields as sent (left out stays left out)."""
        return self.model_dump(exclude_unset=True)
