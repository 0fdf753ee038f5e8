"""The company's brand on customer documents: the name, logo and colours of the settings
(``SERVITIZE_BRANDING_*``; the name falls back to ``company_name``), drawn as a letterhead at
the top of a PDF page. Every customer-facing PDF (operation report, data-sharing record, quote,
sign-up sheet) takes a ``Brand``; its edge builds it with ``Brand.of(settings)``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

from servitize.core.settings import Settings

LOGO_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg")
LOGO_HEIGHT_MM = 12.0
BAND_MM = 2.5

RGB = tuple[int, int, int]


def rgb(colour: str) -> RGB:
    """``#1f4e79`` as (31, 78, 121)."""
    text = colour.lstrip("#")
    return (int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16))


def _latin(text: str) -> str:
    """The core PDF fonts write Latin-1; anything else becomes '?'."""
    return text.encode("latin-1", "replace").decode("latin-1")


@dataclass(frozen=True)
class Brand:
    """Who the customer reads the document from, and how it looks."""

    name: str
    logo: Path | None = None
    primary: RGB = (31, 78, 121)
    accent: RGB = (224, 123, 0)

    @classmethod
    def of(cls, settings: Settings) -> Brand:
        """The brand of the settings; a logo file that is missing or not an image is left out
        (the document still names the company)."""
        b = settings.branding
        logo = b.logo_file
        usable = logo is not None and logo.suffix.lower() in LOGO_SUFFIXES and logo.is_file()
        return cls(
            name=b.name or settings.company_name,
            logo=logo if usable else None,
            primary=rgb(b.primary_colour),
            accent=rgb(b.accent_colour),
        )


def band(doc: FPDF, brand: Brand) -> None:
    """The thin band in the accent colour across the top of the page."""
    doc.set_fill_color(*brand.accent)
    doc.rect(0, 0, doc.w, BAND_MM, style="F")
    doc.set_fill_color(0)  # the page's default again (text after it is written as before)


def letterhead(doc: FPDF, brand: Brand) -> None:
    """The logo (when there is one) and the company name in the primary colour at the top left;
    leaves the cursor at the left margin below them, the text colour the default black."""
    top = doc.get_y()
    x = doc.l_margin
    if brand.logo is not None:
        try:
            info = doc.image(str(brand.logo), x=x, y=top, h=LOGO_HEIGHT_MM)
            x += float(info.rendered_width) + 4
        except Exception:
            x = doc.l_margin
    doc.set_xy(x, top + (LOGO_HEIGHT_MM - 7) / 2)
    doc.set_font("Helvetica", "B", 14)
    doc.set_text_color(*brand.primary)
    doc.cell(0, 7, _latin(brand.name))
    doc.set_text_color(0)  # the page's default black again
    doc.set_xy(doc.l_margin, top + LOGO_HEIGHT_MM + 3)
