"""The sign-up sheet PDF the customer signs: the company, the customer's address, the terms,
the signer's name and date on the signature line, the drawn signature; no internal reason."""

from __future__ import annotations

import base64
import io
import re
import zlib
from datetime import UTC, datetime

from PIL import Image
from sqlalchemy.orm import Session

from servitize.field.models import SignUpLine, SignUpSheet
from servitize.trust.service import issue_token
from tests import builders as b

INTERNAL = "wear seen on the last three visits"


def _pdf_text(data: bytes) -> str:
    """Every content stream of the PDF, inflated (core fonts write text as Latin-1)."""
    out = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        try:
            out.append(zlib.decompress(raw).decode("latin-1"))
        except zlib.error:
            out.append(raw.decode("latin-1"))
    return "\n".join(out)


def _signature_png() -> str:
    image = Image.new("RGB", (60, 20), "white")
    for x in range(5, 55):
        image.putpixel((x, 10 + (x % 5)), (0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _sheet(session: Session, signed: bool) -> tuple[int, object]:
    tech = b.user(session, username="sheet_tech", role="technician")
    account = b.account(session, name="Kunde Metall GmbH", country="DE")
    site = b.site(
        session, account, name="Werk Nord", address="Hafenstrasse 12, 20457 Hamburg", city=None
    )
    b.site(session, account, name="Another plant", address="Elsewhere 1")
    visit = b.visit(session, tech, account, site_id=site.id)
    offering = b.offering(session, name="Hydraulic hose check")
    sheet = SignUpSheet(
        visit_id=visit.id,
        account_id=account.id,
        technician_id=tech.id,
        status="signed" if signed else "proposed",
        signer_name="Anna Kunde" if signed else None,
        signature=_signature_png() if signed else None,
        signed_on="screen" if signed else None,
        signed_at=datetime(2026, 11, 24, 10, 30, tzinfo=UTC) if signed else None,
    )
    session.add(sheet)
    session.flush()
    session.add(
        SignUpLine(
            sheet_id=sheet.id,
            offering_id=offering.id,
            reason=INTERNAL,
            unit_price_cents=35_050,
            currency="EUR",
            ticked=signed,
        )
    )
    session.flush()
    return sheet.id, tech


def _get(session: Session, app_client, sheet_id: int, tech) -> bytes:  # type: ignore[no-untyped-def]
    settings = app_client.app.state.settings
    app_client.app.state.settings = settings.model_copy(
        update={
            "company_name": "Fallback Name",
            "company_address": "Maschinenweg 1, 70565 Stuttgart, Germany",
            "branding": settings.branding.model_copy(update={"name": "Presswerk Service AG"}),
        }
    )
    answer = app_client.get(
        f"/sheets/{sheet_id}.pdf",
        headers={"Authorization": f"Bearer {issue_token(session, tech)}"},
    )
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    return answer.content


def test_the_sheet_names_company_customer_and_terms_and_hides_internal_reasons(
    session: Session,
    app_client,  # type: ignore[no-untyped-def]
) -> None:
    sheet_id, tech = _sheet(session, signed=False)
    text = _pdf_text(_get(session, app_client, sheet_id, tech))
    assert "(Presswerk Service AG)" in text and "Fallback Name" not in text  # branding wins
    assert "(Maschinenweg 1)" in text and "(70565 Stuttgart)" in text
    # the customer's address: the site of the visit, not the account's other site
    assert "(Kunde Metall GmbH)" in text and "(Werk Nord)" in text
    assert "(Hafenstrasse 12)" in text and "(20457 Hamburg)" in text
    assert "Elsewhere" not in text
    assert "(Terms)" in text and "exclude VAT" in text
    assert "(Hydraulic hose check)" in text and "(350.50 EUR)" in text
    assert INTERNAL not in text and "wear seen" not in text


def test_a_signed_sheet_writes_name_and_date_on_the_signature_line(
    session: Session,
    app_client,  # type: ignore[no-untyped-def]
) -> None:
    sheet_id, tech = _sheet(session, signed=True)
    data = _get(session, app_client, sheet_id, tech)
    text = _pdf_text(data)
    assert b"/Subtype /Image" in data  # the drawn signature
    name = re.search(r"BT ([\d.]+) ([\d.]+) Td \(Anna Kunde\) Tj ET", text)
    date = re.search(r"BT ([\d.]+) ([\d.]+) Td \(2026-11-24 10:30 UTC\) Tj ET", text)
    assert name and date, text[-1500:]
    # the two signature lines: horizontal strokes "x y m x2 y l S" at one height
    lines = re.findall(r"([\d.]+) ([\d.]+) m ([\d.]+) ([\d.]+) l S", text)
    flat = [(float(x1), float(y1), float(x2)) for x1, y1, x2, y2 in lines if y1 == y2]
    name_x, name_y = float(name.group(1)), float(name.group(2))
    on = [y for x1, y, x2 in flat if x1 <= name_x <= x2 and 0 < name_y - y < 12]
    assert on, (name_x, name_y, flat)  # the name sits on a line, a few points above it
    date_x, date_y = float(date.group(1)), float(date.group(2))
    assert [y for x1, y, x2 in flat if x1 <= date_x <= x2 and 0 < date_y - y < 12]
    assert "(Ordered: 350.50 EUR)" in text
