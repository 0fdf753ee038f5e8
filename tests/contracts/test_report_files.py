"""The report's renderings: page, PDF, CSV, XLSX and JSON equal the model; foreigners get 404."""

from __future__ import annotations

import csv
import io
import re
import zlib

import pytest
from openpyxl import load_workbook

from servitize.contracts import report
from servitize.contracts.report_files import report_pdf
from tests.contracts.report_world import AT, OCT_AVAILABILITY, World, build
from tests.telemetry.helpers import utc
from tests.web.conftest import log_in

PASSWORD = "report-test-password"


@pytest.fixture
def world(session, tmp_path) -> World:  # type: ignore[no-untyped-def]
    return build(session, tmp_path)


@pytest.fixture
def web(client, world: World, tmp_path, session):  # type: ignore[no-untyped-def]
    """The HTML client on the world's telemetry, logged in as the account owner."""
    from servitize.trust.passwords import hash_password

    settings = client.app.state.settings
    client.app.state.settings = settings.model_copy(update={"data_dir": tmp_path})
    for u in (world.owner, world.stranger):
        u.password_hash = hash_password(PASSWORD)
    session.flush()
    log_in(client, world.owner.username, PASSWORD)
    return client


def _text(pdf: bytes) -> bytes:
    """The PDF with its deflated content streams inflated (fpdf2 compresses by default)."""
    out = [pdf]
    for match in re.finditer(rb">>\s*stream\r?\n", pdf):
        inflater = zlib.decompressobj()
        try:
            out.append(inflater.decompress(pdf[match.end() :]))
        except zlib.error:
            continue
    return b"".join(out)


def test_pdf_carries_parties_figure_and_result(session, world: World) -> None:  # type: ignore[no-untyped-def]
    r = report.build_report(session, world.store, world.contract, "2026-10", 3, at=AT)
    for compress in (False, True):
        pdf = report_pdf(r, compress=compress)
        assert pdf.startswith(b"%PDF")
        text = _text(pdf)
        assert b"Nordwerk Pressen GmbH" in text and b"Olga Owner" in text
        assert f"{OCT_AVAILABILITY:.2f} %".encode() in text
        assert b"-400.00 EUR" in text and b"October 2026" in text
        assert b"power cut on the customer's side" in text


@pytest.mark.slow
def test_page_pdf_csv_xlsx_and_api_for_the_owner(web, session, world: World) -> None:  # type: ignore[no-untyped-def]
    cid = world.contract.id
    expected = report.build_report(session, world.store, world.contract, "2026-10", 3, at=AT)
    page = web.get(f"/contracts/{cid}/report?period=2026-10&months=3")
    assert page.status_code == 200, page.text
    assert "Nordwerk Pressen GmbH" in page.text and f"{OCT_AVAILABILITY:.2f}" in page.text
    assert "<svg" in page.text and "target 98 %" in page.text
    assert "-400.00" in page.text.split('data-testid="kpi-amount"')[1][:400]
    listing = web.get("/contracts?period=2026-10")
    assert listing.status_code == 200 and world.contract.external_id in listing.text
    assert f"{OCT_AVAILABILITY:.2f}" in listing.text and 'href="/contracts"' in listing.text
    pdf = web.get(f"/contracts/{cid}/report.pdf?period=2026-10&months=3")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert b"Nordwerk Pressen GmbH" in _text(pdf.content)

    results, stops = report.tables(
        session, world.store, world.contract, report.month_range("2026-08", "2026-10"), at=AT
    )
    avail = web.get(f"/contracts/{cid}/report.csv?table=availability&from=2026-08&to=2026-10")
    rows = list(csv.DictReader(io.StringIO(avail.text)))
    assert [r["month"] for r in rows] == ["2026-08", "2026-09", "2026-10"]
    assert (
        [r["band"] for r in rows] == [m.band for m in results] == [m.band for m in expected.trend]
    )
    assert float(rows[2]["availability_pct"]) == pytest.approx(OCT_AVAILABILITY, abs=1e-4)
    assert rows[2]["amount"] == "-400.00" and rows[2]["downtime_hours"] == "24.0"
    down = list(
        csv.DictReader(
            io.StringIO(
                web.get(f"/contracts/{cid}/report.csv?table=downtime&from=2026-10&to=2026-10").text
            )
        )
    )
    assert [(d["state"], float(d["hours_in_month"]), d["start"]) for d in down] == [
        (s.state, s.hours_in_month, s.start.strftime("%Y-%m-%dT%H:%M:%SZ"))
        for s in expected.downtime
    ]

    book = load_workbook(
        io.BytesIO(web.get(f"/contracts/{cid}/report.xlsx?from=2026-09&to=2026-10").content)
    )
    assert book.sheetnames == ["Availability", "Downtime"]
    sheet = [list(r) for r in book["Availability"].iter_rows(values_only=True)]
    assert sheet[0] == list(report.AVAILABILITY_COLUMNS) and [r[0] for r in sheet[1:]] == [
        "2026-09",
        "2026-10",
    ]
    assert sheet[2][2] == pytest.approx(OCT_AVAILABILITY, abs=1e-4) and sheet[2][7] == -400.0
    downtime = list(book["Downtime"].iter_rows(values_only=True))
    assert len(downtime) == 1 + len([s for s in stops if s.month >= "2026-09"]) == 5
    assert downtime[-1][3] == utc("2026-10-25T00:00").replace(tzinfo=None)


def test_a_foreign_user_gets_404_everywhere(client, session, world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from servitize.trust.passwords import hash_password

    client.app.state.settings = client.app.state.settings.model_copy(update={"data_dir": tmp_path})
    world.stranger.password_hash = hash_password(PASSWORD)
    session.flush()
    log_in(client, world.stranger.username, PASSWORD)
    cid = world.contract.id
    for path in (
        f"/contracts/{cid}/report?period=2026-10",
        f"/contracts/{cid}/report.pdf?period=2026-10",
        f"/contracts/{cid}/report.csv?from=2026-10&to=2026-10",
        f"/contracts/{cid}/report.xlsx",
        "/contracts/999999/report",
    ):
        assert client.get(path).status_code == 404, path
    assert world.contract.external_id not in client.get("/contracts").text


def test_api_report_and_404(app_client, session, world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.field.conftest import token_for

    app_client.app.state.settings = app_client.app.state.settings.model_copy(
        update={"data_dir": tmp_path}
    )
    url = f"/api/v1/contracts/{world.contract.id}/report?period=2026-10&months=2"
    answer = app_client.get(url, headers=token_for(session, world.owner.id))
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["result"]["band"] == "penalty" and float(data["result"]["amount"]) == -400.0
    assert data["result"]["availability_pct"] == pytest.approx(OCT_AVAILABILITY, abs=1e-4)
    assert [m["month"] for m in data["trend"]] == ["2026-09", "2026-10"] and data[
        "energy_kwh"
    ] == 620.0
    assert app_client.get(url, headers=token_for(session, world.stranger.id)).status_code == 404


def test_api_evaluation_shows_each_user_their_contracts(
    app_client, session, world: World, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """The owner sees the contract's October result; another owner none; a technician, like on
    the contract pages, is refused."""
    from tests import builders
    from tests.field.conftest import token_for

    app_client.app.state.settings = app_client.app.state.settings.model_copy(
        update={"data_dir": tmp_path}
    )
    url = "/api/v1/contracts/evaluation?period=2026-10"
    mine = app_client.get(url, headers=token_for(session, world.owner.id))
    assert mine.status_code == 200, mine.text
    [result] = [c for c in mine.json()["contracts"] if c["account_id"] == world.account.id]
    assert float(result["measured_pct"]) == pytest.approx(OCT_AVAILABILITY, abs=1e-4)
    assert result["band"] == "penalty" and float(result["amount"]) == -400.0
    theirs = app_client.get(url, headers=token_for(session, world.stranger.id)).json()["contracts"]
    assert all(c["account_id"] != world.account.id for c in theirs)
    technician = builders.user(session, role="technician")
    assert app_client.get(url, headers=token_for(session, technician.id)).status_code == 403
