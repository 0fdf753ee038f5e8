"""The operation report as files: a PDF for the customer (fpdf2), its tables as CSV and XLSX."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from fpdf import FPDF
from openpyxl import Workbook
from openpyxl.styles import Font

from servitize.contracts.report import (
    AVAILABILITY_COLUMNS,
    DOWNTIME_COLUMNS,
    MonthResult,
    Report,
    Stop,
    availability_rows,
    axis,
    band_label,
    calendar_label,
    downtime_rows,
    month_label,
)
from servitize.core.cells import safe_cell
from servitize.kit.brand import Brand, letterhead

INK, MUTED, LINE = (23, 33, 43), (107, 120, 134), (226, 231, 237)
ACCENT, BAD, GOOD, WARN = (15, 118, 110), (180, 35, 24), (21, 128, 61), (180, 83, 9)
BAND_COLOUR = {
    "penalty": BAD,
    "bonus": GOOD,
    "on_target": ACCENT,
    "below_target": WARN,
    "unknown": MUTED,
    "not_measurable": MUTED,
    "excluded": MUTED,
    "not_in_force": MUTED,
}
STATE = {
    "down": "Unplanned stop",
    "planned_maintenance": "Planned maintenance",
    "excluded": "Excluded",
}


def _latin(text: object) -> str:
    """Core PDF fonts speak Latin-1 only; dashes become '-', anything else '?'."""
    return (
        str(text)
        .replace("\u2013", "-")
        .replace("\u2014", "-")
        .replace("\u2212", "-")
        .replace("\u2019", "'")
        .encode("latin-1", "replace")
        .decode("latin-1")
    )


def pct(value: float | None, digits: int = 2) -> str:
    """A percentage, or a dash for no data."""
    return "-" if value is None else f"{value:.{digits}f} %"


def money(amount: Decimal | float, currency: str, signed: bool = False) -> str:
    """An amount with currency; ``signed`` shows + for a credit to us (bonus)."""
    return f"{float(amount):{'+' if signed and amount else ''},.2f} {currency}"


def period_text(r: Report) -> str:
    """'1 Oct 2026 - 31 Oct 2026' (the period's last day included)."""
    last = r.period_end - timedelta(days=1)
    return f"{r.period_start.day} {r.period_start:%b %Y} - {last.day} {last:%b %Y}"


def hours(value: float | None) -> str:
    """Hours with one decimal, or a dash."""
    return "-" if value is None else f"{value:,.1f} h"


def when(moment: datetime) -> str:
    """A UTC moment as 'YYYY-MM-DD HH:MM'."""
    return moment.strftime("%Y-%m-%d %H:%M")


def result_sentence(r: Report) -> str:
    """The period's result in one sentence (page and PDF)."""
    m = r.result
    if not m.in_force:
        return "The contract was not in force in this period."
    if m.band == "not_measurable":
        why = (
            ""
            if r.status_shared
            else (
                " (no data-sharing agreement covers status data for contract "
                "verification, so none of it may be used)"
            )
        )
        return (
            f"This month is {m.result}{why}; the contract needs {m.min_coverage_pct:g} % of the "
            "scheduled hours known, so no penalty or bonus applies."
        )
    if m.band == "excluded":
        return (
            f"All known time of this period was planned maintenance ({hours(m.planned_maintenance_hours)}) "
            f"or excluded ({hours(m.excluded_hours)}: {'; '.join(r.excluded_causes) or 'no cause given'}): "
            "there is no availability to measure and no penalty or bonus applies."
        )
    if m.availability_pct is None:
        return "No status data reached us for this period: no penalty or bonus applies."
    gap = round(m.availability_pct - m.target_pct, 9)
    side = "below" if gap < 0 else "above"
    points = (
        f"{abs(gap):.4f}" if abs(gap) < 0.005 else f"{abs(gap):.2f}"
    )  # never "0.00 points below"
    if m.band == "penalty":
        step = r.bands["penalty_step_points"]
        return (
            f"{points} points {side} target: {m.steps} full step(s) of {step:g} points, "
            f"{abs(m.fee_pct):g} % of the period fee of {money(r.fee, r.currency)} is credited to you."
        )
    if m.band == "bonus":
        step = r.bands["bonus_step_points"]
        return (
            f"{points} points {side} target: {m.steps} full step(s) of {step:g} points earn a "
            f"bonus of {m.fee_pct:g} % of the period fee of {money(r.fee, r.currency)}."
        )
    if m.band == "below_target":
        return f"{points} points below target, less than a full step: no penalty applies."
    if gap == 0:
        return "Exactly on target: no penalty and no bonus."
    return f"{points} points {side} target: no penalty and no bonus."


class _Doc(FPDF):
    report: Report
    brand: Brand | None = None

    def header(self) -> None:
        self.set_fill_color(*(self.brand.accent if self.brand else ACCENT))
        self.rect(0, 0, self.w, 3, style="F")

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font("Helvetica", "", 7.5)
        self.set_text_color(*MUTED)
        r = self.report
        self.cell(
            0,
            5,
            _latin(
                f"{r.contract} - {r.account} - operation report {month_label(r.month)}"
                f" - generated {when(r.generated_at)} UTC"
            ),
        )
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")


def _heading(doc: FPDF, text: str) -> None:
    doc.ln(3)
    doc.set_font("Helvetica", "B", 11)
    doc.set_text_color(*INK)
    doc.cell(0, 7, _latin(text), new_x="LMARGIN", new_y="NEXT")
    doc.set_draw_color(*LINE)
    doc.line(doc.l_margin, doc.get_y(), doc.w - doc.r_margin, doc.get_y())
    doc.ln(1.5)


def _fit(doc: FPDF, text: str, width: float) -> str:
    """Text cut with '...' to fit a cell of ``width`` mm."""
    text = _latin(text)
    if doc.get_string_width(text) <= width - 2:
        return text
    while text and doc.get_string_width(text + "...") > width - 2:
        text = text[:-1]
    return text.rstrip() + "..."


def _table(
    doc: FPDF,
    head: list[str],
    widths: list[float],
    rows: list[list[str]],
    right: set[int],
    colours: dict[int, tuple[int, int, int]] | None = None,
    total: bool = False,
) -> None:
    """A striped table; ``total`` sets the last row in bold."""
    doc.set_font("Helvetica", "B", 7.5)
    doc.set_text_color(*MUTED)
    for i, (h, w) in enumerate(zip(head, widths, strict=True)):
        doc.cell(w, 6, _latin(h), align="R" if i in right else "L")
    doc.ln(6)
    doc.set_draw_color(*LINE)
    for n, row in enumerate(rows):
        if doc.will_page_break(6):
            doc.add_page()
        if n % 2:
            doc.set_fill_color(247, 249, 250)
            doc.rect(doc.l_margin, doc.get_y(), sum(widths), 6, style="F")
        for i, (text, w) in enumerate(zip(row, widths, strict=True)):
            doc.set_font("Helvetica", "B" if total and n == len(rows) - 1 else "", 8.5)
            doc.set_text_color(*((colours or {}).get(n * 100 + i, INK)))
            doc.cell(w, 6, _fit(doc, text, w), align="R" if i in right else "L")
        doc.ln(6)
    doc.set_text_color(*INK)


def _parties(doc: FPDF, r: Report) -> None:
    top = doc.get_y()
    half = (doc.w - doc.l_margin - doc.r_margin) / 2
    for x, label, lines in (
        (
            doc.l_margin,
            "CUSTOMER",
            [
                r.account,
                f"Customer no. {r.account_number}"
                + (f" - {r.account_country}" if r.account_country else ""),
            ],
        ),
        (
            doc.l_margin + half,
            "SERVICE PROVIDER",
            [r.supplier, f"Account manager: {r.account_manager or '-'}"],
        ),
    ):
        doc.set_xy(x, top)
        doc.set_font("Helvetica", "B", 7.5)
        doc.set_text_color(*MUTED)
        doc.cell(half, 5, label, new_x="LEFT", new_y="NEXT")
        doc.set_font("Helvetica", "B", 10.5)
        doc.set_text_color(*INK)
        doc.cell(half, 5.5, _latin(lines[0]), new_x="LEFT", new_y="NEXT")
        doc.set_font("Helvetica", "", 8.5)
        doc.cell(half, 4.5, _latin(lines[1]), new_x="LEFT", new_y="NEXT")
    doc.set_xy(doc.l_margin, top + 18)


def _result_box(doc: FPDF, r: Report) -> None:
    m, x, y = r.result, doc.l_margin, doc.get_y() + 2
    width = doc.w - doc.l_margin - doc.r_margin
    colour = BAND_COLOUR.get(m.band, MUTED)
    doc.set_fill_color(246, 248, 250)
    doc.set_draw_color(*LINE)
    doc.rect(x, y, width, 30, style="DF")
    doc.set_fill_color(*colour)
    doc.rect(x, y, 2, 30, style="F")
    cells = [
        ("AVAILABILITY", pct(m.availability_pct), colour),
        ("TARGET", pct(m.target_pct), INK),
        ("RESULT", band_label(m.band), colour),
        ("PENALTY / BONUS", money(m.amount, m.currency, True) if m.in_force else "-", colour),
    ]
    col = (width - 6) / 4
    for i, (label, value, tone) in enumerate(cells):
        doc.set_xy(x + 6 + i * col, y + 4)
        doc.set_font("Helvetica", "B", 7.5)
        doc.set_text_color(*MUTED)
        doc.cell(col, 4, label, new_x="LEFT", new_y="NEXT")
        doc.set_font("Helvetica", "B", 17 if i == 0 else 13)
        doc.set_text_color(*tone)
        doc.cell(col, 9, _latin(value))
    doc.set_xy(x + 6, y + 20)
    doc.set_font("Helvetica", "", 8.5)
    doc.set_text_color(*INK)
    doc.multi_cell(width - 10, 4.2, _latin(result_sentence(r)), new_x="LMARGIN", new_y="NEXT")
    doc.set_y(y + 33)


def _chart(doc: FPDF, trend: list[MonthResult], target: float) -> None:
    """Availability per month (line and dots) against the target (dashed), with a y grid."""
    x0, y0 = doc.l_margin + 12, doc.get_y() + 3
    width, height = doc.w - doc.l_margin - doc.r_margin - 14, 52
    low, high = axis([m.availability_pct for m in trend], target)

    def y_of(value: float) -> float:
        return y0 + height - (value - low) / (high - low) * height

    doc.set_font("Helvetica", "", 7)
    steps = int(high - low)
    every = 1 if steps <= 6 else 2 if steps <= 12 else 5
    for v in range(int(low), int(high) + 1, every):
        doc.set_draw_color(*LINE)
        doc.set_line_width(0.2)
        doc.line(x0, y_of(v), x0 + width, y_of(v))
        doc.set_text_color(*MUTED)
        doc.set_xy(x0 - 12, y_of(v) - 2)
        doc.cell(10, 4, f"{v} %", align="R")
    doc.set_draw_color(*BAD)
    doc.set_line_width(0.45)
    with doc.local_context():
        doc.set_dash_pattern(dash=1.6, gap=1.2)
        doc.line(x0, y_of(target), x0 + width, y_of(target))
    doc.set_text_color(*BAD)
    doc.set_xy(x0 + width - 30, y_of(target) - 4.5)
    doc.cell(30, 4, _latin(f"target {target:g} %"), align="R")
    slot = width / len(trend)
    points = []
    for i, m in enumerate(trend):
        cx = x0 + slot * (i + 0.5)
        doc.set_text_color(*MUTED)
        doc.set_xy(cx - slot / 2, y0 + height + 1)
        doc.cell(slot, 4, month_label(m.month)[:3] + " " + m.month[2:4], align="C")
        if m.availability_pct is not None:
            points.append((cx, y_of(m.availability_pct), m))
    doc.set_draw_color(*ACCENT)
    doc.set_line_width(0.6)
    for (ax, ay, _a), (bx, by, _b) in pairwise(points):
        doc.line(ax, ay, bx, by)
    for cx, cy, m in points:
        colour = BAND_COLOUR.get(m.band, ACCENT)
        doc.set_fill_color(*colour)
        doc.set_draw_color(255, 255, 255)
        doc.set_line_width(0.4)
        doc.ellipse(cx - 1.3, cy - 1.3, 2.6, 2.6, style="DF")
        doc.set_text_color(*colour)
        doc.set_font("Helvetica", "B", 7)
        doc.set_xy(cx - 12, cy - 6 if cy - 6 > y0 - 2 else cy + 1.8)
        doc.cell(24, 4, f"{m.availability_pct:.2f}", align="C")
        doc.set_font("Helvetica", "", 7)
    doc.set_line_width(0.2)
    doc.set_y(y0 + height + 8)


def report_pdf(r: Report, *, compress: bool = True, brand: Brand | None = None) -> bytes:
    """The monthly operation report as an A4 PDF a customer can file; with a ``brand`` (the
    customer's copy) under the company's letterhead: logo, name and colours."""
    doc = _Doc(format="A4")
    doc.report = r
    doc.brand = brand
    doc.set_compression(compress)
    doc.set_margins(16, 14, 16)
    doc.set_auto_page_break(auto=True, margin=18)
    doc.set_title(_latin(f"Operation report {month_label(r.month)} - {r.account}"))
    doc.set_author(_latin(r.supplier))
    doc.add_page()
    if brand is not None:
        letterhead(doc, brand)
    doc.set_font("Helvetica", "B", 8)
    doc.set_text_color(*(brand.accent if brand else ACCENT))
    doc.cell(0, 5, "MONTHLY OPERATION REPORT", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", "B", 20)
    doc.set_text_color(*INK)
    doc.cell(0, 10, _latin(f"{month_label(r.month)}"), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", "", 9)
    doc.set_text_color(*MUTED)
    doc.cell(
        0,
        5,
        _latin(f"{r.contract_name} - contract {r.contract} - period {period_text(r)} (UTC)"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    doc.ln(4)
    _parties(doc, r)
    _result_box(doc, r)
    _heading(doc, f"Availability, last {len(r.trend)} months")
    _chart(doc, r.trend, r.result.target_pct)
    rows, colours = [], {}
    for n, m in enumerate(r.trend):
        rows.append(
            [
                month_label(m.month),
                pct(m.availability_pct),
                pct(m.target_pct),
                hours(m.downtime_hours) if m.in_force else "-",
                str(m.failures) if m.in_force else "-",
                m.result or band_label(m.band),
                money(m.amount, m.currency, True) if m.in_force else "-",
            ]
        )
        colours[n * 100 + 5] = colours[n * 100 + 6] = BAND_COLOUR.get(m.band, INK)
    _table(
        doc,
        ["MONTH", "AVAILABILITY", "TARGET", "DOWNTIME", "STOPS", "RESULT", "AMOUNT"],
        [34, 26, 22, 24, 16, 26, 30],
        rows,
        {1, 2, 3, 4, 6},
        colours,
    )
    _heading(doc, f"Downtime events in {month_label(r.month)}")
    if r.downtime:
        _table(
            doc,
            ["MACHINE", "EVENT", "FROM (UTC)", "TO (UTC)", "HOURS", "CAUSE / SOURCE"],
            [20, 34, 27, 27, 12, 58],
            _stop_rows(r.downtime),
            {4},
        )
    else:
        _note(doc, "No downtime in this period.")
    for line in r.telemetry_gaps:  # lost telemetry, counted as unknown time
        _note(doc, line)
    _heading(doc, "Energy and usage")
    _usage(doc, r)
    doc.ln(4)
    _note(
        doc,
        "Availability = uptime / (uptime + unplanned downtime) within the scheduled time "
        f"({calendar_label(r.calendar)}); planned maintenance and excluded periods do not count "
        "against it. Figures from the machines' status events and recorded downtime, used "
        "under your data-sharing agreement for contract verification.",
    )
    if r.account_manager:
        doc.ln(2)
        _note(
            doc,
            f"Questions about this report? Your account manager {r.account_manager} will be glad "
            "to go through it with you.",
        )
    return bytes(doc.output())


def _stop_rows(stops: list[Stop]) -> list[list[str]]:
    return [
        [
            s.serial,
            STATE.get(s.state, s.state),
            when(s.start),
            when(s.end),
            f"{s.hours_in_month:.1f}",
            s.cause or ("status events" if s.source == "status" else "downtime record"),
        ]
        for s in stops
    ]


def _note(doc: FPDF, text: str) -> None:
    doc.set_font("Helvetica", "", 8)
    doc.set_text_color(*MUTED)
    doc.multi_cell(0, 4, _latin(text), new_x="LMARGIN", new_y="NEXT")
    doc.set_text_color(*INK)


def _usage(doc: FPDF, r: Report) -> None:
    if not (r.usage_shared or r.energy_shared):
        _note(doc, "Usage and energy data are not shared under your data-sharing agreement.")
        return
    rows = [
        [
            a.serial,
            a.model or "-",
            pct(a.availability_pct),
            hours(a.operating_hours),
            "-" if a.energy_kwh is None else f"{a.energy_kwh:,.0f} kWh",
            "-" if a.kwh_per_operating_hour is None else f"{a.kwh_per_operating_hour:.2f}",
        ]
        for a in r.assets
    ]
    rows.append(
        [
            "All machines",
            "",
            pct(r.result.availability_pct),
            hours(r.operating_hours),
            "-" if r.energy_kwh is None else f"{r.energy_kwh:,.0f} kWh",
            "-" if r.kwh_per_operating_hour is None else f"{r.kwh_per_operating_hour:.2f}",
        ]
    )
    _table(
        doc,
        ["MACHINE", "MODEL", "AVAILABILITY", "OPERATING HOURS", "ENERGY", "kWh PER OP. HOUR"],
        [28, 36, 26, 32, 28, 28],
        rows,
        {2, 3, 4, 5},
        total=True,
    )
    if not (r.usage_shared and r.energy_shared):
        _note(
            doc,
            ("Energy" if not r.energy_shared else "Usage") + " data are not shared under your "
            "data-sharing agreement.",
        )


def _cell(value: object) -> object:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return "" if value is None else safe_cell(value)  # a cause "=HYPERLINK(..." stays text


def table_csv(table: str, results: list[MonthResult], stops: list[Stop]) -> str:
    """One table (availability or downtime) as CSV text with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if table == "availability":
        writer.writerow(AVAILABILITY_COLUMNS)
        writer.writerows([[_cell(v) for v in row] for row in availability_rows(results)])
    else:
        writer.writerow(DOWNTIME_COLUMNS)
        writer.writerows([[_cell(v) for v in row] for row in downtime_rows(stops)])
    return out.getvalue()


def tables_xlsx(results: list[MonthResult], stops: list[Stop]) -> bytes:
    """Both tables as a workbook: sheets "Availability" and "Downtime" (times in UTC)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Availability"  # type: ignore[union-attr]
    for ws, head, rows in (
        (sheet, AVAILABILITY_COLUMNS, availability_rows(results)),
        (book.create_sheet("Downtime"), DOWNTIME_COLUMNS, downtime_rows(stops)),
    ):
        ws.append([c if c not in ("start", "end") else f"{c} (UTC)" for c in head])  # type: ignore[union-attr]
        for cell in ws[1]:  # type: ignore[index]
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(  # type: ignore[union-attr]
                [
                    v.replace(tzinfo=None)
                    if isinstance(v, datetime)
                    else float(v)
                    if isinstance(v, Decimal)
                    else safe_cell(v)
                    for v in row
                ]
            )
        ws.freeze_panes = "A2"  # type: ignore[union-attr]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
