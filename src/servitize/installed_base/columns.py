"""The column schema of every import kind: the contract between ERP/CRM exports and servitize.

The README's import table is written from this module; the importer validates against it and
the sample manufacturer writes files with exactly these headers.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from servitize.installed_base.models import (
    AccountKind,
    BuyingRole,
    Connectivity,
    ContactLevel,
    Origin,
    OwnershipType,
    RevenueModel,
    SalesChannel,
    ServiceCoverage,
    ServiceKind,
    Shell,
)
from servitize.trust.models import Role

# The enum class a column takes its values from (named here: inside Column, ``type`` is a field).
EnumClass = type[enum.Enum]


@dataclass(frozen=True)
class Column:
    """One column of an import file.

    ``type`` is one of: text, int, float, money (amount in major units, ``.`` as decimal mark),
    date (ISO ``YYYY-MM-DD``), time (a time of day ``HH:MM``), bool (true/false/yes/no/1/0), enum, ref (an external id of another
    kind), refs (several external ids separated by ``|``), country (ISO 3166 alpha-2),
    currency (ISO 4217).
    """

    name: str
    type: str = "text"
    required: bool = False
    enum: EnumClass | None = None
    ref: str | None = None  # the import kind the value points to
    min: float | None = None
    max: float | None = None
    not_future: bool = False  # dates: a date after today is rejected
    default: str | None = None
    doc: str = ""


@dataclass(frozen=True)
class ImportKind:
    """An import kind: its key column and columns, in the order files carry them.

    ``key`` names the column that identifies a row; ``a+b`` names a key of two columns.
    """

    name: str
    table: str
    key: str
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def keys(self) -> tuple[str, ...]:
        """The key's columns: one for most kinds; ``a+b`` names a key of two columns."""
        return tuple(self.key.split("+"))

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        return next(c for c in self.columns if c.name == name)


SCORE = {"type": "int", "min": 1, "max": 5}

KINDS: dict[str, ImportKind] = {
    k.name: k
    for k in (
        ImportKind(
            "exchange-rates",
            "exchange_rate",
            "currency+date",
            (
                Column("currency", "currency", required=True),
                Column("date", "date", required=True, not_future=True),
                Column(
                    "rate",
                    "float",
                    required=True,
                    doc="value of one unit of `currency` in the company currency; above 0",
                ),
            ),
        ),
        ImportKind(
            "users",
            "user",
            "username",
            (
                Column("username", required=True, doc="login name; the key other files refer to"),
                Column("full_name"),
                Column("email"),
                Column("role", "enum", required=True, enum=Role),
                Column("territory", doc="sales/service region"),
            ),
        ),
        ImportKind(
            "accounts",
            "account",
            "external_id",
            (
                Column("external_id", required=True, doc="the account number in the ERP/CRM"),
                Column("name", required=True),
                Column("kind", "enum", enum=AccountKind, default="customer"),
                Column("industry"),
                Column("country", "country"),
                Column("territory"),
                Column("employees", "int", min=0),
                Column("turnover", "money", min=0, doc="yearly turnover in `currency`"),
                Column("currency", "currency", doc="defaults to the company currency"),
                Column("owner", "ref", ref="users", doc="username of the account owner"),
                Column("ownership_type", "enum", enum=OwnershipType),
                Column("dealer", "ref", ref="accounts", doc="external id of the serving dealer"),
                Column("volume", **SCORE),  # type: ignore[arg-type]
                Column("profitability_potential", **SCORE),  # type: ignore[arg-type]
                Column("technical_risk", **SCORE),  # type: ignore[arg-type]
                Column("country_risk", **SCORE),  # type: ignore[arg-type]
                Column("relationship_quality", **SCORE),  # type: ignore[arg-type]
            ),
        ),
        ImportKind(
            "contacts",
            "contact",
            "external_id",
            (
                Column("external_id", required=True),
                Column("account", "ref", required=True, ref="accounts"),
                Column("name", required=True),
                Column("title"),
                Column("email"),
                Column("phone"),
                Column("buying_role", "enum", required=True, enum=BuyingRole),
                Column("level", "enum", enum=ContactLevel),
            ),
        ),
        ImportKind(
            "sites",
            "site",
            "external_id",
            (
                Column("external_id", required=True),
                Column("account", "ref", required=True, ref="accounts"),
                Column("name", required=True),
                Column("country", "country", required=True),
                Column("city"),
                Column("address"),
            ),
        ),
        ImportKind(
            "assets",
            "asset",
            "external_id",
            (
                Column("external_id", required=True, doc="the equipment number in the ERP"),
                Column("account", "ref", required=True, ref="accounts"),
                Column("site", "ref", ref="sites", doc="must be a site of the same account"),
                Column("parent", "ref", ref="assets", doc="the line or plant this machine is in"),
                Column("serial"),
                Column("model"),
                Column("product_line"),
                Column("manufacturer"),
                Column("origin", "enum", required=True, enum=Origin),
                Column("competitor", doc="required when origin is competitor"),
                Column("install_date", "date", not_future=True),
                Column("connectivity", "enum", enum=Connectivity, default="none"),
                Column("warranty_end", "date"),
                Column("coverage", "enum", enum=ServiceCoverage, default="none"),
                Column("contract_end", "date"),
            ),
        ),
        ImportKind(
            "service-events",
            "service_event",
            "external_id",
            (
                Column("external_id", required=True, doc="the work order number"),
                Column("asset", "ref", required=True, ref="assets"),
                Column("date", "date", required=True, not_future=True),
                Column("kind", "enum", required=True, enum=ServiceKind),
                Column("component"),
                Column("parts_cost", "money", min=0),
                Column("currency", "currency"),
                Column("labour_hours", "float", min=0),
                Column("downtime_hours", "float", min=0),
                Column("technician", "ref", ref="users"),
                Column("description"),
            ),
        ),
        ImportKind(
            "offerings",
            "offering",
            "external_id",
            (
                Column("external_id", required=True, doc="the article number"),
                Column("name", required=True),
                Column("family", doc="offering family, e.g. condition_monitoring"),
                Column("shell", "enum", required=True, enum=Shell),
                Column("revenue_model", "enum", required=True, enum=RevenueModel),
                Column("list_price", "money", min=0),
                Column("currency", "currency"),
                Column("unit", default="each"),
                Column("sign_up_eligible", "bool", default="false"),
            ),
        ),
        ImportKind(
            "orders",
            "order",
            "external_id",
            (
                Column("external_id", required=True, doc="order line number"),
                Column("date", "date", required=True, not_future=True),
                Column("account", "ref", required=True, ref="accounts"),
                Column("offering", "ref", required=True, ref="offerings"),
                Column("assets", "refs", ref="assets", doc="asset external ids joined by |"),
                Column("quantity", "float", min=0),
                Column("amount", "money", required=True, min=0),
                Column("currency", "currency"),
                Column("channel", "enum", required=True, enum=SalesChannel),
                Column("sold_by", "ref", ref="users"),
            ),
        ),
        ImportKind(
            "competitors",
            "competitor_presence",
            "external_id",
            (
                Column("external_id", required=True, doc="the CRM record id"),
                Column("account", "ref", required=True, ref="accounts"),
                Column("competitor", required=True),
                Column("product_line"),
                Column("notes"),
            ),
        ),
        ImportKind(
            "visits",
            "visit",
            "external_id",
            (
                Column("external_id", required=True, doc="the service job number"),
                Column("technician", "ref", required=True, ref="users"),
                Column("account", "ref", required=True, ref="accounts"),
                Column("site", "ref", ref="sites", doc="must be a site of the same account"),
                Column("date", "date", required=True, doc="past or scheduled"),
                Column("job_type", default="maintenance"),
                Column("start_time", "time", doc="the time of day it starts; empty: any time"),
                Column("duration_minutes", "int", min=1, max=1440, doc="how long it takes"),
            ),
        ),
    )
}

# Files must be imported in this order: each kind refers only to kinds before it.
IMPORT_ORDER = (
    "exchange-rates",
    "users",
    "accounts",
    "contacts",
    "sites",
    "competitors",
    "assets",
    "service-events",
    "offerings",
    "orders",
    "visits",
)
