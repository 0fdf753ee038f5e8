"""The record of an account's agreements as a PDF for the customer (fpdf2, core fonts): the
same facts as the CSV and the portal page (consent_record)."""

from __future__ import annotations

from fpdf import FPDF

from servitize.kit.brand import Brand, band, letterhead
from servitize.telemetry.consent_record import AccountConsent, runs_text, terms_text
from servitize.telemetry.consent_rules import PURPOSE_TEXT

GREY = (90, 100, 110)


def _latin(text: str) -> str:
    """Core PDF fonts speak Latin-1 only: dashes and arrows are spelled, the rest '?'."""
    for sign, plain in (("\u2013", "-"), ("\u2014", "-"), ("\u2192", "->"), ("\u2026", "...")):
        text = text.replace(sign, plain)
    return text.encode("latin-1", "replace").decode("latin-1")


def _line(doc: FPDF, text: str, size: int = 9, bold: bool = False) -> None:
    doc.set_font("Helvetica", "B" if bold else "", size)
    doc.multi_cell(0, 5, _latin(text), new_x="LMARGIN", new_y="NEXT")


def record_pdf(
    r: AccountConsent, company: str, compress: bool = True, brand: Brand | None = None
) -> bytes:
    """An A4 record of what ``r``'s account agreed to share, its changes and its use; under the
    company's letterhead (logo, name, colours) when a ``brand`` is given."""
    doc = FPDF(format="A4")
    doc.set_compression(compress)
    doc.set_auto_page_break(auto=True, margin=16)
    doc.add_page()
    if brand is not None:
        band(doc, brand)
        letterhead(doc, brand)
    _line(doc, f"Data-sharing record of {r.account_name}", 15, True)
    doc.set_text_color(*GREY)
    _line(
        doc,
        f"What {r.account_name} agreed to share with {company}, every change, and "
        f"which computations used the data in {r.last_month} and {r.this_month}.",
    )
    doc.set_text_color(0, 0, 0)
    doc.ln(2)
    _line(doc, "Agreements", 12, True)
    for a in r.agreements:
        terms = {
            "data_kinds": a.data_kinds,
            "purposes": a.purposes,
            "valid_from": a.valid_from,
            "valid_to": a.valid_to,
        }
        _line(doc, f"Agreement {a.id} ({a.state}): {terms_text(terms)}", bold=True)
        for p in a.purposes:
            _line(doc, f"  {PURPOSE_TEXT.get(p, p)}", 8)
    if not r.agreements:
        _line(doc, "No agreement: none of this account's machine data is used.")
    doc.ln(2)
    _line(doc, "Changes", 12, True)
    for c in r.history:
        before = f"{c.before} -> " if c.before else ""
        _line(
            doc,
            f"{c.at:%Y-%m-%d %H:%M} UTC, agreement {c.agreement_id}: {c.change} by "
            f"{c.actor} ({c.by}). {before}{c.after}",
            8,
        )
    if not r.history:
        _line(doc, "No change recorded.", 8)
    doc.ln(2)
    _line(doc, "Computations that used the data", 12, True)
    for u in r.uses:
        _line(
            doc,
            f"{u.month}: {u.label}, for {u.purpose.replace('_', ' ')}, {runs_text(u.runs)} "
            f"(last {u.last_used_at:%Y-%m-%d})",
            8,
        )
    if not r.uses:
        _line(doc, f"None in {r.last_month} or {r.this_month}.", 8)
    return bytes(doc.output())
