"""The quote document the customer reads (fpdf2, core fonts): who offers to whom, the lines
grouped by revenue model, the availability clause in words, the totals per revenue stream, the
terms and the validity. It holds what the customer's link page shows and nothing internal (no
notes, no approval reasons, no margins)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from fpdf import FPDF

from servitize.kit.brand import Brand, band, letterhead
from servitize.offers.formulas import parameters_in_words
from servitize.offers.schemas import QuoteRead
from servitize.value.pdf import quote_section
from servitize.value.service import ForQuote

GREY = (90, 100, 110)


def _latin(text: str) -> str:
    """Core PDF fonts speak Latin-1 only; a few typographic signs are spelled, the rest '?'."""
    for sign, plain in (("\u2013", "-"), ("\u2014", "-"), ("\u2192", "->"), ("\u00d7", "x")):
        text = text.replace(sign, plain)
    for sign, plain in (("\u201c", '"'), ("\u201d", '"'), ("\u2019", "'"), ("\u2026", "...")):
        text = text.replace(sign, plain)
    return text.encode("latin-1", "replace").decode("latin-1")


def money(amount: Decimal, currency: str) -> str:
    """An amount as the document shows it: 12,345.60 EUR."""
    return f"{amount.quantize(Decimal('0.01')):,} {currency}"


def _row(doc: FPDF, label: str, value: str, bold: bool = False) -> None:
    doc.set_font("Helvetica", "B" if bold else "", 10)
    doc.cell(120, 6, _latin(label))
    doc.cell(0, 6, _latin(value), align="R", new_x="LMARGIN", new_y="NEXT")


def budget_range(read: QuoteRead) -> tuple[Decimal, Decimal, Decimal] | None:
    """A budget offer's contract value as an indicative range in whole units: ± the widest
    spread of its formula lines (the catalogue formulas' stated spread; 15 % when no line has a
    formula). None for a fixed offer."""
    if read.kind != "budget":
        return None
    spreads = [Decimal(str(ln.formula["budget_spread_pct"])) for ln in read.lines if ln.formula]
    spread = max(spreads, default=Decimal(15))
    value = read.totals.contract_value
    low = (value * (1 - spread / 100)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    high = (value * (1 + spread / 100)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return low, high, spread.normalize()


def totals_rows(read: QuoteRead) -> list[tuple[str, str]]:
    """The totals per revenue stream, in the document's and the page's order."""
    t = read.totals
    rows = [
        ("One-time", money(t.one_time, t.currency)),
        ("Monthly recurring", money(t.monthly_recurring, t.currency)),
        ("Yearly recurring", money(t.yearly_recurring, t.currency)),
        ("Usage estimate per month", money(t.usage_estimate_monthly, t.currency)),
        (f"Contract value over {t.term_months} months", money(t.contract_value, t.currency)),
    ]
    budget = budget_range(read)
    if budget is not None:
        low, high, spread = budget
        rows.append(
            (f"Budget offer: indicative range (± {spread} %)", f"{low:,} – {high:,} {t.currency}")
        )
    if t.contract_value_company is not None and t.company_currency != t.currency:
        rows.append(
            (
                f"Contract value in {t.company_currency}",
                money(t.contract_value_company, t.company_currency),
            )
        )
    return rows


def quote_pdf(
    read: QuoteRead,
    groups: Sequence[tuple[str, Sequence[Any]]],
    *,
    company: str,
    company_address: str,
    customer: str,
    term_titles: Mapping[str, str],
    compress: bool = True,
    value_case: ForQuote | None = None,
    brand: Brand | None = None,
) -> bytes:
    """An A4 quote document for the customer (with its opportunity's value case, if any); with
    a ``brand`` under the company's letterhead (logo, name, colours) instead of the plain name."""
    doc = FPDF(format="A4")
    doc.set_compression(compress)
    doc.set_auto_page_break(auto=True, margin=18)
    doc.add_page()
    if brand is not None:
        band(doc, brand)
        letterhead(doc, brand)
    else:
        doc.set_font("Helvetica", "B", 11)
        doc.cell(0, 6, _latin(company), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", "", 9)
    doc.set_text_color(*GREY)
    for part in company_address.replace("\n", ",").split(","):
        if part.strip():
            doc.cell(0, 5, _latin(part.strip()), new_x="LMARGIN", new_y="NEXT")
    doc.set_text_color(0, 0, 0)
    doc.ln(4)
    doc.set_font("Helvetica", "B", 18)
    title = "Budget offer" if read.kind == "budget" else "Offer"
    doc.cell(
        0,
        10,
        _latin(f"{title} {read.number}, revision {read.revision}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    doc.set_font("Helvetica", "", 10)
    doc.cell(0, 6, _latin(f"For {customer}: {read.title}"), new_x="LMARGIN", new_y="NEXT")
    doc.cell(
        0,
        6,
        _latin(
            f"Valid until {read.valid_until.isoformat()}; all amounts in {read.totals.currency}"
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if read.kind == "budget":
        doc.set_text_color(*GREY)
        doc.cell(
            0, 5, "An indicative budget; a fixed offer follows.", new_x="LMARGIN", new_y="NEXT"
        )
        doc.set_text_color(0, 0, 0)
    for heading, lines in groups:
        doc.ln(3)
        doc.set_font("Helvetica", "B", 12)
        doc.cell(0, 8, _latin(heading), border="B", new_x="LMARGIN", new_y="NEXT")
        for line in lines:
            doc.set_font("Helvetica", "B", 10)
            doc.cell(0, 6, _latin(line.name), new_x="LMARGIN", new_y="NEXT")
            doc.set_font("Helvetica", "", 9)
            doc.set_text_color(*GREY)
            parts = [line.price, f"quantity {line.quantity}"]
            if line.formula:
                parts.append("priced for " + parameters_in_words(line.formula))
            if line.discount_pct:
                parts.append(f"discount {line.discount_pct} %")
            if line.bundle:
                parts.append(f"bundle {line.bundle} (discount {line.bundle_discount_pct} %)")
            doc.multi_cell(0, 5, _latin("; ".join(parts)), new_x="LMARGIN", new_y="NEXT")
            doc.set_text_color(0, 0, 0)
    if read.clause_words:
        doc.ln(3)
        doc.set_font("Helvetica", "B", 12)
        doc.cell(0, 8, "Availability", border="B", new_x="LMARGIN", new_y="NEXT")
        doc.set_font("Helvetica", "", 10)
        doc.multi_cell(0, 5, _latin(read.clause_words), new_x="LMARGIN", new_y="NEXT")
    if value_case is not None:
        quote_section(doc, value_case)
    doc.ln(3)
    doc.set_font("Helvetica", "B", 12)
    doc.cell(0, 8, "Totals", border="B", new_x="LMARGIN", new_y="NEXT")
    rows = totals_rows(read)
    for label, value in rows:
        _row(doc, label, value, bold=label.startswith("Contract value over"))
    terms = {k: v for k, v in read.terms.items() if v is not None}
    if terms:
        doc.ln(3)
        doc.set_font("Helvetica", "B", 12)
        doc.cell(0, 8, "Terms", border="B", new_x="LMARGIN", new_y="NEXT")
        for key, value in terms.items():
            _row(doc, term_titles.get(key, key.replace("_", " ")), str(value))
    doc.ln(12)
    y = doc.get_y()
    doc.line(doc.l_margin, y, doc.l_margin + 90, y)
    doc.set_font("Helvetica", "", 8)
    doc.set_xy(doc.l_margin, y + 1)
    signer = read.accepted_by and f"Accepted by {read.accepted_by}"
    doc.cell(0, 5, _latin(signer or "Name and signature of the customer, date"))
    return bytes(doc.output())
