"""Every customer-facing PDF carries the company's brand from the settings (SERVITIZE_BRANDING_*):
the logo image, the name and the primary colour; none carries an internal cause, note or
reason. The operation report, the data-sharing record, the quote (portal and staff download)
and the sign-up sheet (portal and the technician's) are read back here."""

from __future__ import annotations

import re
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image

from servitize.field.models import SignUpLine, SignUpSheet
from servitize.telemetry.models import DowntimePeriod
from servitize.trust.models import User
from servitize.trust.service import issue_token
from tests import builders as b
from tests.contracts import report_world
from tests.portal import helpers

BRAND = "Nordwerk Service"
PRIMARY = "#123456"  # 0x12, 0x34, 0x56 = 18, 52, 86 of 255
# The PDF sets a text colour as three fractions of 1 with four decimals, then "rg".
PRIMARY_RG = b"0.0706 0.2039 0.3373 rg"  # 18/255 = 0.07059, 52/255 = 0.20392, 86/255 = 0.33725
INTERNAL = (
    "skipped greasing",
    "INTERNAL",
    "strategic",
    "discount above authority",
    "power cut on the customer",
)


def pdf_text(pdf: bytes) -> bytes:
    """The PDF with its deflated streams inflated."""
    out = [pdf]
    for match in re.finditer(rb">>\s*stream\r?\n", pdf):
        try:
            out.append(zlib.decompressobj().decompress(pdf[match.end() :]))
        except zlib.error:
            continue
    return b"".join(out)


def _logo(folder: Path) -> Path:
    """A 3 x 2 pixel PNG in the accent colour."""
    path = folder / "logo.png"
    Image.new("RGB", (3, 2), (171, 205, 239)).save(path)
    return path


def _branded(client: Any, logo: Path | None) -> Any:
    settings = client.app.state.settings
    client.app.state.settings = settings.model_copy(
        update={
            "branding": settings.branding.model_copy(
                update={
                    "name": BRAND,
                    "logo_file": logo,
                    "primary_colour": PRIMARY,
                    "accent_colour": "#abcdef",
                }
            )
        }
    )
    return settings


def _sheet(session: Any, account: Any) -> SignUpSheet:
    tech = b.user(session, role="technician")
    offering = b.offering(session, sign_up_eligible=True, list_price_cents=12_000, currency="EUR")
    sheet = SignUpSheet(
        visit_id=b.visit(session, tech, account).id,
        account_id=account.id,
        technician_id=tech.id,
        status="proposed",
    )
    session.add(sheet)
    session.flush()
    session.add(
        SignUpLine(
            sheet_id=sheet.id,
            offering_id=offering.id,
            reason="INTERNAL hunch: they have budget left",
            unit_price_cents=12_000,
            currency="EUR",
        )
    )
    session.flush()
    return sheet


def test_every_customer_pdf_carries_the_brand_and_no_internal_words(  # type: ignore[no-untyped-def]
    session, data_app_client, tmp_path
) -> None:
    w = report_world.build(session, tmp_path)
    session.add(
        DowntimePeriod(
            asset_id=w.asset.id,
            account_id=w.account.id,
            start=datetime(2026, 10, 28, 0, 0, tzinfo=UTC),
            end=datetime(2026, 10, 28, 1, 0, tzinfo=UTC),
            planned=True,
            cause="skipped greasing by the customer",
            note="INTERNAL: do not tell the customer",
        )
    )
    quote = helpers.quote(session, w.account, w.owner, notes="INTERNAL: margin is thin")
    sheet = _sheet(session, w.account)
    customer = helpers.customer_of(session, w.account)
    mine = {"Authorization": f"Bearer {issue_token(session, customer)}"}
    staff = {"Authorization": f"Bearer {issue_token(session, w.owner)}"}
    tech = session.get(User, sheet.technician_id)
    technician = {"Authorization": f"Bearer {issue_token(session, tech)}"}
    saved = _branded(data_app_client, _logo(tmp_path))
    try:
        documents = {
            "operation report": data_app_client.get(
                f"/portal/contracts/{w.contract.id}/report.pdf?period=2026-10", headers=mine
            ),
            "data-sharing record": data_app_client.get(
                f"/portal/consent/record.pdf?account_id={w.account.id}", headers=mine
            ),
            "quote (portal)": data_app_client.get(f"/portal/quotes/{quote.id}.pdf", headers=mine),
            "quote (staff download)": data_app_client.get(f"/quotes/{quote.id}.pdf", headers=staff),
            "sign-up sheet (portal)": data_app_client.get(
                f"/portal/sheets/{sheet.id}.pdf", headers=mine
            ),
            "sign-up sheet (technician)": data_app_client.get(
                f"/sheets/{sheet.id}.pdf", headers=technician
            ),
        }
    finally:
        data_app_client.app.state.settings = saved
    for name, response in documents.items():
        assert response.status_code == 200, (name, response.text[:300])
        assert response.headers["content-type"] == "application/pdf", name
        blob = pdf_text(response.content)
        assert BRAND.encode() in blob, name
        # the logo: one image XObject of the PNG's 3 x 2 pixels
        assert re.search(rb"/Subtype\s*/Image", blob), name
        assert re.search(rb"/Width 3\b", blob) and re.search(rb"/Height 2\b", blob), name
        assert PRIMARY_RG in blob, name
        assert not [x for x in INTERNAL if x.encode() in blob], name


def test_without_a_logo_the_documents_name_the_company(session, data_app_client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    w = report_world.build(session, tmp_path)
    quote = helpers.quote(session, w.account, w.owner)
    customer = helpers.customer_of(session, w.account)
    mine = {"Authorization": f"Bearer {issue_token(session, customer)}"}
    missing = tmp_path / "no-such-logo.png"
    saved = _branded(data_app_client, missing)
    try:
        response = data_app_client.get(f"/portal/quotes/{quote.id}.pdf", headers=mine)
    finally:
        data_app_client.app.state.settings = saved
    assert response.status_code == 200
    blob = pdf_text(response.content)
    assert BRAND.encode() in blob and not re.search(rb"/Subtype\s*/Image", blob)
