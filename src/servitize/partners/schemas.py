"""What the API and the forms take for partners and competitors: bounded, every field named in
the reason when it is wrong (422)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, field_validator

from servitize.core.inputs import Id, Input, Text
from servitize.partners.models import ActionKind, CompetitorType, PartnerKind

Name = Annotated[Text, Field(min_length=1, max_length=200)]
Short = Annotated[Text, Field(max_length=300)]
Long = Annotated[Text, Field(max_length=4000)]
Code = Annotated[Text, Field(min_length=1, max_length=60)]
Alias = Annotated[Text, Field(min_length=1, max_length=80)]


def _blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value.strip() if isinstance(value, str) else value


class PartnerIn(Input):
    """A new partner: what it is, what it does, where, and whom to call."""

    name: Name
    kind: PartnerKind
    role: Annotated[Text, Field(min_length=1, max_length=300)]
    boundary: Long | None = None
    activity_codes: Annotated[list[Code], Field(max_length=60)] = Field(default_factory=list)
    account_ids: Annotated[list[Id], Field(max_length=500)] = Field(default_factory=list)
    offering_ids: Annotated[list[Id], Field(max_length=200)] = Field(default_factory=list)
    contact_name: Name | None = None
    contact_email: Annotated[Text, Field(max_length=200, pattern=r"^[^@\s]+@[^@\s]+$")] | None = (
        None
    )
    contact_phone: Annotated[Text, Field(max_length=60)] | None = None
    dealer_account_id: Id | None = None
    active: bool = True

    _blank = field_validator(
        "boundary", "contact_name", "contact_email", "contact_phone", mode="before"
    )(_blank_to_none)


class PartnerPatch(Input):
    """Changes to a partner: only the fields sent."""

    name: Name | None = None
    kind: PartnerKind | None = None
    role: Annotated[Text, Field(min_length=1, max_length=300)] | None = None
    boundary: Long | None = None
    activity_codes: Annotated[list[Code], Field(max_length=60)] | None = None
    account_ids: Annotated[list[Id], Field(max_length=500)] | None = None
    offering_ids: Annotated[list[Id], Field(max_length=200)] | None = None
    contact_name: Name | None = None
    contact_email: Annotated[Text, Field(max_length=200, pattern=r"^[^@\s]+@[^@\s]+$")] | None = (
        None
    )
    contact_phone: Annotated[Text, Field(max_length=60)] | None = None
    dealer_account_id: Id | None = None
    active: bool | None = None

    _blank = field_validator(
        "boundary", "contact_name", "contact_email", "contact_phone", mode="before"
    )(_blank_to_none)


class PartnerUserIn(Input):
    """A user of role partner to link to the partner."""

    username: Annotated[Text, Field(min_length=1, max_length=80)]


class AssignmentIn(Input):
    """The partner an activity is assigned to (null: nobody)."""

    partner_id: Id | None


class CompetitorIn(Input):
    """A competitor of the master."""

    name: Annotated[Text, Field(min_length=1, max_length=80)]
    type: CompetitorType
    products: Long | None = None
    aliases: Annotated[list[Alias], Field(max_length=30)] = Field(default_factory=list)
    notes: Long | None = None

    _blank = field_validator("products", "notes", mode="before")(_blank_to_none)


class ActionIn(Input):
    """An observed action of a competitor, with date and source."""

    kind: ActionKind
    observed_on: date
    source: Annotated[Text, Field(min_length=1, max_length=200)]
    account_id: Id | None = None
    detail: Long | None = None

    _blank = field_validator("detail", mode="before")(_blank_to_none)

    @field_validator("observed_on")
    @classmethod
    def _plausible(cls, value: date) -> date:
        if value.year < 1900 or value.year > 2999:
            raise ValueError("a day between 1900 and 2999")
        return value


class OpportunityCompetitorIn(Input):
    """A competitor of an opportunity with its SWOT line."""

    competitor_id: Id
    strengths: Short | None = None
    weaknesses: Short | None = None
    opportunities: Short | None = None
    threats: Short | None = None

    _blank = field_validator("strengths", "weaknesses", "opportunities", "threats", mode="before")(
        _blank_to_none
    )
