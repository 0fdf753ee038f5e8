"""REST route to create an availability contract (contracts.editing), under /api/v1."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from servitize.contracts import editing, service
from servitize.trust.http import RequestContext

router = APIRouter(tags=["telemetry"])


class ContractBody(BaseModel):
    """An availability contract: ``account_id``, ``name``, ``target_pct``, ``fee`` and
    ``valid_from`` required; the rest optional (bands 0, steps 0.5 points, the account's
    currency, every machine of the account, a 24/7 calendar)."""

    model_config = ConfigDict(extra="allow")

    account_id: Any = None
    external_id: Any = Field(default=None, description="default AV-<account number>-<random>")
    name: Any = None
    target_pct: Any = Field(default=None, description="target availability in percent, e.g. 98")
    fee: Any = Field(default=None, description="fee per period in major units, . as decimal mark")
    currency: Any = Field(default=None, description="ISO 4217; default the account's")
    penalty_pct: Any = Field(default=None, description="percent of the fee per step below target")
    penalty_step: Any = Field(default=None, description="points per penalty step")
    penalty_cap: Any = Field(default=None, description="penalty cap, percent of the fee")
    bonus_pct: Any = None
    bonus_step: Any = None
    bonus_cap: Any = None
    valid_from: Any = Field(default=None, description="YYYY-MM-DD")
    valid_to: Any = Field(default=None, description="YYYY-MM-DD, after valid_from")
    serials: Any = Field(default=None, description="covered serials; default all the account's")


class ContractCreated(BaseModel):
    """The contract made and the serials it covers."""

    id: int
    external_id: str
    account_id: int
    name: str
    serials: list[str]


@router.post("/contracts", response_model=ContractCreated, status_code=201)
def create_contract(body: ContractBody, ctx: RequestContext) -> ContractCreated:
    """Create an availability contract for an account (audited); 422 names each wrong field."""
    values = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    values = {k: (v if isinstance(v, list) else str(v)) for k, v in values.items()}
    contract = editing.create(ctx.session, ctx.user, values)
    return ContractCreated(
        id=contract.id,
        external_id=contract.external_id,
        account_id=contract.account_id,
        name=contract.name,
        serials=service.contract_serials(ctx.session, contract),
    )
