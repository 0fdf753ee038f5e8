"""The value case as a document for the customer (fpdf2, core fonts), two to three pages: the
savings with their evidence and formulas, the alternatives side by side, the cumulative cash-flow
chart, the value-based price, the tornado and the assumptions each number comes from.
Nothing internal: no cost to serve, no margins."""

from __future__ import annotations

import io

from fpdf import FPDF
from markupsafe import Markup

from servitize.value.rules import ASSUMPTIONS, MONEY, PCT
from servitize.value.service import ForQuote, Report

GREY = (90, 100, 110)


def _latin(text: str) -> str:
    """Core PDF fonts speak Latin-1 only; a few typographic signs are spelled, the rest '?'."""
    for sign, plain in (
        ("\u2013", "-"),
        ("\u2014", "-"),
        ("\u2212", "-"),
        ("\u2192", "->"),
        ("\u00d7", "x"),
        ("\u00f7", "/"),
        ("\u2026", "..."),
        ("\u2019", "'"),
    ):
        text = text.replace(sign, plain)
    return text.encode("latin-1", "replace").decode("latin-1")


def amount(cents: int | float | None, currency: str) -> str:
    """An amount as the document and the page show it: 12,345.60 EUR (or "no data")."""
    if cents is None:
        return "no data"
    return f"{int(cents) / 100:,.2f} {currency}"


def shown(value: float | None, kind: str, currency: str) -> str:
    """An assumption's value as shown (money in major units, percent with %)."""
    if value is None:
        return "no data"
    if kind == MONEY:
        return amount(value, currency)
    if kind == PCT:
        return f"{value:g} %"
    return f"{value:,.4g}" if value != int(value) else f"{int(value):,} {kind}"


def _svg(doc: FPDF, chart: Markup, width: float) -> None:
    doc.image(io.BytesIO(_latin(str(chart)).encode("utf-8")), w=width)


def _head(doc: FPDF, text: str) -> None:
    doc.ln(3)
    doc.set_font("Helvetica", "B", 12)
    doc.cell(0, 7, _latin(text), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", "", 9)


def case_pdf(r: Report, company: str, compress: bool = True) -> bytes:
    """An A4 document of the value case for the customer."""
    cur = r.currency
    doc = FPDF(format="A4")
    doc.set_compression(compress)
    doc.set_auto_page_break(auto=True, margin=16)
    doc.add_page()
    doc.set_font("Helvetica", "B", 15)
    doc.cell(0, 8, _latin(r.case.title), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", "", 9)
    doc.set_text_color(*GREY)
    years = int(r.values["years"].number or 0)
    doc.multi_cell(
        0,
        5,
        _latin(
            f"{company} for {r.account_name}: {r.machines} machines over {years} years, "
            f"at a discount rate of {r.values['discount_rate_pct'].number:g} % a year. "
            "Every figure follows from the assumptions on the last page."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    doc.set_text_color(0, 0, 0)
    _head(doc, f"Savings a year: {amount(r.saving_cents, cur)}")
    for s in r.savings:
        doc.set_font("Helvetica", "B", 9)
        doc.cell(120, 5, _latin(s.label))
        doc.cell(
            0,
            5,
            _latin(amount(s.saving_cents, cur)),
            align="R",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        doc.set_font("Helvetica", "", 8)
        doc.set_text_color(*GREY)
        doc.multi_cell(0, 4, _latin(f"{s.formula}. {s.evidence}."), new_x="LMARGIN", new_y="NEXT")
        doc.set_text_color(0, 0, 0)
    _head(doc, "The alternatives side by side")
    widths = (62, 32, 32, 22, 22, 20)
    doc.set_font("Helvetica", "B", 8)
    for w, t in zip(widths, ("Alternative", "TCO", "NPV", "IRR", "Payback", "Disc."), strict=True):
        doc.cell(w, 5, t, border="B")
    doc.ln()
    doc.set_font("Helvetica", "", 8)
    for a in r.alternatives:
        cells = (
            a.label,
            amount(a.tco_cents, cur),
            amount(a.npv_cents, cur),
            "-" if a.irr_pct is None else f"{a.irr_pct:.1f} %",
            "none" if a.payback_years is None else f"{a.payback_years:.2f} y",
            "none" if a.discounted_payback_years is None else f"{a.discounted_payback_years:.2f} y",
        )
        for w, t in zip(widths, cells, strict=True):
            doc.cell(w, 5, _latin(t))
        doc.ln()
    doc.ln(2)
    _svg(doc, r.cumulative_chart(), 180)
    doc.add_page()
    _head(doc, "The price")
    price = r.value_price
    doc.multi_cell(
        0,
        5,
        _latin(f"{price.label}: {amount(price.cents, cur)} a year - {price.formula}."),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    listed = r.prices[2]
    if listed.cents is not None:
        doc.cell(0, 5, _latin(f"List price: {amount(listed.cents, cur)} a year"))
        doc.ln()
    _head(doc, "What the result depends on most")
    sens = r.sensitivity
    doc.multi_cell(
        0,
        5,
        _latin(
            f"The NPV of the service agreement against today's way, with each assumption "
            f"moved by {sens.pct:g} % up and down."
            + (
                f" It is zero when {sens.break_even_name} reaches {sens.break_even_value:,.4g}"
                f" (today {sens.break_even_base:,.4g})."
                if sens.break_even_value is not None and sens.break_even_base is not None
                else ""
            )
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    _svg(doc, r.tornado_chart(), 180)
    _head(doc, "Assumptions")
    doc.set_font("Helvetica", "", 8)
    for spec in ASSUMPTIONS:
        if spec.name in ("cost_to_serve_cents_per_year", "cost_plus_markup_pct"):
            continue  # internal
        v = r.values.get(spec.name)
        if v is None:
            continue
        doc.cell(80, 4.5, _latin(spec.label))
        doc.cell(40, 4.5, _latin(shown(v.number, spec.kind, cur)), align="R")
        doc.cell(0, 4.5, _latin(f"  {v.source}"), new_x="LMARGIN", new_y="NEXT")
    return bytes(doc.output())


def quote_section(doc: FPDF, case: ForQuote) -> None:
    """The value case's part of a quote document: its summary lines and its chart."""
    doc.ln(3)
    doc.set_font("Helvetica", "B", 12)
    doc.cell(0, 8, "Your value case", border="B", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", "", 9)
    for line in case.lines:
        doc.multi_cell(0, 5, _latin(line), new_x="LMARGIN", new_y="NEXT")
    _svg(doc, case.chart, 170)
