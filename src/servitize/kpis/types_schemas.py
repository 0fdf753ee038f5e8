"""The types comparison outside: one shape for the API and the command's JSON, and the rows of
the page's CSV and XLSX (the same cells as the page)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from servitize.kpis.schemas import FigureOut, figure, shown
from servitize.kpis.types import MEASURES, TypesReport


class TypeRowOut(BaseModel):
    """One type (and customer group): its customers and each measure with its count."""

    type: int | None
    type_label: str
    group: str | None
    customers: int
    figures: dict[str, FigureOut]


class TypesOut(BaseModel):
    """The organisation types side by side over a period."""

    period: str
    currency: str
    by: str
    group: str | None
    min_count: int
    attach_months: int
    measures: dict[str, str]
    rows: list[TypeRowOut]


def types_out(report: TypesReport) -> TypesOut:
    """The report as the API answers it."""
    return TypesOut(
        period=report.period,
        currency=report.currency,
        by=report.by,
        group=report.group,
        min_count=report.min_count,
        attach_months=report.attach_months,
        measures={k: label for k, label, _n in MEASURES},
        rows=[
            TypeRowOut(
                type=r.type,
                type_label=r.label,
                group=r.group,
                customers=r.customers,
                figures={k: figure(f) for k, f in r.figures.items()},
            )
            for r in report.rows
        ],
    )


def columns(report: TypesReport) -> list[str]:
    """The table's header: type, group (when grouped), customers, each measure and its n."""
    head = ["Type"] + (["Group"] if report.by != "none" else []) + ["Customers"]
    for _k, label, _noun in MEASURES:
        head += [label, "n"]
    return head


def rows(report: TypesReport) -> list[list[Any]]:
    """The table's cells, as the page shows them."""
    out: list[list[Any]] = []
    for r in report.rows:
        line: list[Any] = [r.label] + ([r.group] if report.by != "none" else []) + [r.customers]
        for k, _label, _noun in MEASURES:
            f = r.figures[k]
            line += [shown(f), f.count or 0]
        out.append(line)
    return out
