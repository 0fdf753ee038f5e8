"""The stages over the records: features, segments, leads, model scoring, CLV."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from servitize.batch.run import Context


def features(ctx: Context) -> tuple[int, int]:
    return 0, 0


def segments(ctx: Context) -> tuple[int, int]:
    return 0, 0


def leads(ctx: Context) -> tuple[int, int]:
    return 0, 0


def scoring(ctx: Context) -> tuple[int, int]:
    return 0, 0


def clv(ctx: Context) -> tuple[int, int]:
    return 0, 0
