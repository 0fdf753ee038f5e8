"""/api/docs works under the app's own CSP: Swagger UI comes from the package, not a CDN."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from servitize.core.settings import Settings
from servitize.web.app import create_app


def _client() -> TestClient:
    return TestClient(create_app(Settings(database_url="sqlite://", environment="test")))


def _assets(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_api_docs_loads_only_same_origin_assets_and_they_are_served() -> None:
    with _client() as client:
        page = client.get("/api/docs")
        assert page.status_code == 200
        assets = _assets(page.text)
        # The stylesheet, the Swagger UI bundle and the script that starts it.
        assert sorted(assets) == [
            "/static/swagger/swagger-init.js",
            "/static/swagger/swagger-ui-bundle.js",
            "/static/swagger/swagger-ui.css",
        ]
        assert all(not urlsplit(a).scheme and not urlsplit(a).netloc for a in assets)
        # No inline script: the CSP's script-src 'self' would block it.
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page.text) == []
        assert 'data-openapi-url="/api/v1/openapi.json"' in page.text
        for asset in assets:
            answer = client.get(asset)
            assert answer.status_code == 200, asset
            assert len(answer.content) > 500, asset
        bundle = client.get("/static/swagger/swagger-ui-bundle.js")
        assert "javascript" in bundle.headers["content-type"]
        assert "SwaggerUIBundle" in bundle.text
        assert (
            client.get("/static/swagger/swagger-ui.css")
            .headers["content-type"]
            .startswith("text/css")
        )


def test_api_docs_keeps_the_csp_intact() -> None:
    with _client() as client:
        csp = client.get("/api/docs").headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert "cdn" not in csp


def test_the_openapi_document_names_the_refusals_the_api_sends(app_client: TestClient) -> None:
    doc = app_client.get("/api/v1/openapi.json").json()
    refused = app_client.get("/api/v1/accounts?limit=0", headers={"authorization": "Bearer x"})
    problem = doc["components"]["schemas"]["Problem"]
    assert problem["required"] == ["detail"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    accounts = doc["paths"]["/api/v1/accounts"]["get"]["responses"]
    assert accounts["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }
    assert accounts["4XX"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }
    assert refused.status_code == 401 and isinstance(refused.json()["detail"], str)


@pytest.mark.browser
def test_api_docs_renders_in_a_browser_under_the_csp(browser, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """In Chromium the page shows every operation of the API, and nothing is blocked or
    fetched from another origin (the page was blank while it loaded Swagger UI from a CDN).

    Swagger UI renders its operation list virtually (only what is near the viewport is in
    the page), so the test scrolls through the whole page and collects what was shown.
    """
    from tests.browser import committed_sqlite, serve

    url, _ = committed_sqlite(tmp_path, lambda session: None)
    with serve(url) as base:
        page = browser.new_page()
        blocked: list[str] = []
        foreign: list[str] = []
        page.on(
            "console",
            lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(base) else None)
        expected = {
            (method.upper(), path)
            for path, item in page.request.get(f"{base}/api/v1/openapi.json")
            .json()["paths"]
            .items()
            for method in item
        }
        page.goto(f"{base}/api/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=30_000)
        title = page.inner_text(".info .title")
        shown: set[tuple[str, str]] = set()
        collect = """els => els.map(e => [
            e.querySelector('.opblock-summary-method').textContent,
            e.querySelector('.opblock-summary-path').dataset.path])"""
        for _ in range(2_000):
            shown |= {tuple(pair) for pair in page.eval_on_selector_all(".opblock", collect)}
            at_end = page.evaluate(
                "() => { window.scrollBy(0, window.innerHeight);"
                " return window.scrollY + window.innerHeight >= document.body.scrollHeight - 2 }"
            )
            page.wait_for_timeout(20)
            if at_end and shown >= expected:
                break
        page.close()
    assert title.startswith("servitize")
    assert len(expected) > 150
    assert expected - shown == set()
    assert blocked == [] and foreign == []
