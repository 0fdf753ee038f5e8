"""The printable sign-up sheet (fpdf2, core fonts): tick boxes, prices, the signature line."""

from __future__ import annotations

import base64
import io

from fpdf import FPDF

from servitize.field.schemas import SheetRead


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


def sheet_pdf(sheet: SheetRead, signature: str | None = None) -> bytes:
    """A one-page A4 sign-up sheet; a signed sheet carries its ticks and drawn signature."""
    doc = FPDF(format="A4")
    doc.set_auto_page_break(auto=True, margin=18)
    doc.add_page()
    doc.set_font("Helvetica", "B", 18)
    doc.cell(0, 10, "Sign-up sheet", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", "", 10)
    doc.cell(
        0,
        6,
        _latin(f"{sheet.account}  -  sheet no. {sheet.id}, visit no. {sheet.visit_id}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
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
    for line in sheet.lines:
        y = doc.get_y() + 2
        doc.rect(doc.l_margin + 2, y, 5, 5)
        if line.ticked:
            doc.line(doc.l_margin + 2, y, doc.l_margin + 7, y + 5)
            doc.line(doc.l_margin + 2, y + 5, doc.l_margin + 7, y)
        doc.set_font("Helvetica", "B", 10)
        doc.set_x(doc.l_margin + 12)
        doc.cell(118, 6, _latin(line.name))
        doc.cell(0, 6, _money(line.amount, line.currency), align="R", new_x="LMARGIN", new_y="NEXT")
        doc.set_font("Helvetica", "", 8)
        doc.set_text_color(90, 100, 110)
        doc.set_x(doc.l_margin + 12)
        doc.cell(118, 5, _latin(line.reason), new_x="LMARGIN", new_y="NEXT")
        doc.set_text_color(0, 0, 0)
        doc.ln(1)
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
    doc.ln(10)
    y = doc.get_y()
    if signature:
        raw = base64.b64decode(signature.split(",", 1)[1])
        doc.image(io.BytesIO(raw), x=doc.l_margin, y=y - 18, h=18)
    doc.line(doc.l_margin, y + 2, doc.l_margin + 90, y + 2)
    doc.line(doc.l_margin + 110, y + 2, doc.l_margin + 180, y + 2)
    doc.set_font("Helvetica", "", 8)
    doc.set_xy(doc.l_margin, y + 3)
    signer = sheet.signer_name or "Name and signature of the customer"
    doc.cell(110, 5, _latin(signer))
    when = sheet.signed_at.strftime("%Y-%m-%d %H:%M UTC") if sheet.signed_at else "Date"
    doc.cell(0, 5, when, new_x="LMARGIN", new_y="NEXT")
    return bytes(doc.output())
