"""Telemetry-based features, only for assets whose account consented to the purpose.

The ONE place intelligence reads telemetry: every utilisation or energy number a feature, rule
or story uses comes through ``consented_usage``.
"""

from __future__ import annotations

from datetime import date

import pyarrow as pa
from sqlalchemy.orm import Session

from servitize.intelligence.records import empty


def consented_usage(session: Session, as_of: date, purpose: str = "service_offers") -> pa.Table:
    """Per asset: utilisation (0..1) and energy (kWh, 30 days) where consent covers ``purpose``.

    Until the telemetry capability ships its consent gate and availability figures, there is
    no consented telemetry, so the table is empty and no telemetry-based lead can arise.
    """
    del session, as_of, purpose
    return empty("usage")
