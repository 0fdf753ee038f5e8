"""The printable sign-up sheet (fpdf2, core fonts): who offers it to whom, tick boxes, prices,
the terms and the signature line.

The sheet is the customer's document: it names the company (branding) and the customer's
address, never the internal reason a line was offered (a line's ``reason`` is for the
technician's screen only). A signed sheet carries its ticks, the typed signer name and the
signing date written on the signature line, and the drawn signature just above it.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from fpdf import FPDF

from servitize.field.schemas import SheetRead
from servitize.kit.brand import Brand, band, letterhead


@dataclass(frozen=True)
class SheetParties:
    """Who offers the sheet and to whom: the company and the customer's address lines."""

    company: str
    company_address: Sequence[str] = field(default_factory=tuple)
    customer_address: Sequence[str] = field(default_factory=tuple)
    terms: str = ""
    brand: Brand | None = None  # the letterhead (logo, name, colours); None: the name only


def address_lines(text: str) -> list[str]:
    """An address written with "," or new lines between its lines, as lines."""
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


def _latin(text: str) -> str:
    """Core PDF fonts speak Latin-1 only; anything else becomes '?'."""
    return (
        text.replace("\u2013", "-")
        .replace("\u201c", '"')
        .replace("\u201d", '"')
        .encode("latin-1", "replace")
        .decode("latin-1")
    )


def _money(amount: object, currency: str) -> str:
    return f"{float(amount):,.2f} {currency}"  # type: ignore[arg-type]


def _head(doc: FPDF, sheet: SheetRead, parties: SheetParties) -> None:
    """The company at the right, the title, the customer and their address at the left (under
    the company's letterhead when the parties carry a brand)."""
    if parties.brand is not None:
        band(doc, parties.brand)
        letterhead(doc, parties.brand)
    top = doc.get_y()
    doc.set_font("Helvetica", "B", 11)
    doc.set_xy(doc.l_margin + 100, top)
    doc.cell(0, 5, _latin(parties.company), align="R", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", "", 8)
    for line in parties.company_address:
        doc.set_x(doc.l_margin + 100)
        doc.cell(0, 4, _latin(line), align="R", new_x="LMARGIN", new_y="NEXT")
    doc.set_xy(doc.l_margin, top)
    doc.set_font("Helvetica", "B", 18)
    doc.cell(95, 10, "Sign-up sheet", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", "B", 10)
    doc.cell(95, 6, _latin(sheet.account), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", "", 9)
    for line in parties.customer_address:
        doc.cell(95, 5, _latin(line), new_x="LMARGIN", new_y="NEXT")
    doc.set_text_color(90, 100, 110)
    doc.cell(
        95,
        5,
        _latin(f"Sheet no. {sheet.id}, visit no. {sheet.visit_id}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    doc.set_text_color(0, 0, 0)
    doc.set_y(max(doc.get_y(), top + 6 + 4 * len(parties.company_address)) + 3)


def sheet_pdf(
    sheet: SheetRead, signature: str | None = None, parties: SheetParties | None = None
) -> bytes:
    """A one-page A4 sign-up sheet; a signed sheet carries its ticks, the signer's name and
    date on the signature line and the drawn signature."""
    parties = parties or SheetParties(company="")
    doc = FPDF(format="A4")
    doc.set_auto_page_break(auto=True, margin=18)
    doc.add_page()
    _head(doc, sheet, parties)
    doc.set_font("Helvetica", "", 10)
    doc.set_text_color(90, 100, 110)
    doc.multi_cell(
        0,
        5,
        "Standard service activities at fixed prices. Tick what you want and "
        "sign below; each ticked activity is ordered at the price shown.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    doc.set_text_color(0, 0, 0)
    doc.ln(3)
    doc.set_font("Helvetica", "B", 9)
    doc.cell(12, 7, "", border="B")
    doc.cell(118, 7, "Activity", border="B")
    doc.cell(0, 7, "Fixed price", border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    for line in sheet.lines:  # never line.reason: it is internal
        y = doc.get_y() + 2
        doc.rect(doc.l_margin + 2, y, 5, 5)
        if line.ticked:
            doc.line(doc.l_margin + 2, y, doc.l_margin + 7, y + 5)
            doc.line(doc.l_margin + 2, y + 5, doc.l_margin + 7, y)
        doc.set_font("Helvetica", "B", 10)
        doc.set_x(doc.l_margin + 12)
        doc.cell(118, 9, _latin(line.name))
        doc.cell(0, 9, _money(line.amount, line.currency), align="R", new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)
    doc.set_font("Helvetica", "B", 10)
    if sheet.status == "signed":
        apart = "".join(f" + {_money(u.amount, u.currency)} unconverted" for u in sheet.unconverted)
        doc.cell(
            0,
            7,
            _latin(f"Ordered: {_money(sheet.total_ticked, sheet.currency)}{apart}"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    if parties.terms:
        doc.ln(2)
        doc.set_font("Helvetica", "B", 8)
        doc.cell(0, 5, "Terms", new_x="LMARGIN", new_y="NEXT")
        doc.set_font("Helvetica", "", 8)
        doc.multi_cell(0, 4, _latin(parties.terms), new_x="LMARGIN", new_y="NEXT")
    _signature(doc, sheet, signature)
    return bytes(doc.output())


def _signature(doc: FPDF, sheet: SheetRead, signature: str | None) -> None:
    """The two lines (name and signature; date), with what was signed written on them."""
    doc.ln(22 if signature else 12)
    y = doc.get_y()
    left, right = doc.l_margin, doc.l_margin + 110
    if signature:
        raw = base64.b64decode(signature.split(",", 1)[1])
        doc.image(io.BytesIO(raw), x=left + 45, y=y - 20, h=18)
    doc.set_font("Helvetica", "", 11)
    if sheet.signer_name:  # the typed name and the day, written on the lines
        doc.set_xy(left, y - 5)
        doc.cell(90, 5, _latin(sheet.signer_name))
    if sheet.signed_at:
        doc.set_xy(right, y - 5)
        doc.cell(70, 5, sheet.signed_at.strftime("%Y-%m-%d %H:%M UTC"))
    doc.line(left, y + 1, left + 90, y + 1)
    doc.line(right, y + 1, right + 70, y + 1)
    doc.set_font("Helvetica", "", 8)
    doc.set_text_color(90, 100, 110)
    doc.set_xy(left, y + 2)
    doc.cell(110, 5, "Name and signature of the customer")
    doc.cell(0, 5, "Date", new_x="LMARGIN", new_y="NEXT")
    doc.set_text_color(0, 0, 0)
