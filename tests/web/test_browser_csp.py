"""Real Chromium on the sample manufacturer: the main pages render under the strict Content
Security Policy (no inline styles, no inline scripts) without a single violation."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from servitize.cli import app
from servitize.web.cli import DEMO_PASSWORD
from tests.browser import serve

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# Every violation the page sees, reported by the browser itself (not by the server).
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """The sample manufacturer (80 accounts) built by ``servitize demo``; base URL and logins."""
    folder = tmp_path_factory.mktemp("csp")
    url = f"sqlite:///{folder / 'demo.db'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SERVITIZE_DATABASE_URL", url)
        mp.setenv("SERVITIZE_DATA_DIR", str(folder / "var"))
        result = CliRunner().invoke(app, ["demo", "--no-serve", "--accounts", "80", "--seed", "3"])
        assert result.exit_code == 0, result.output
        logins = {
            line.split("(")[1].split(")")[0]: line.split("log in as ")[1].split(" ")[0]
            for line in result.output.splitlines()
            if "log in as" in line
        }
        with serve(url) as base:
            yield base, logins


class Visitor:
    """A logged-in browser tab that collects CSP violations and script errors of each page."""

    def __init__(self, browser, base: str, username: str | None, shots: Path) -> None:  # type: ignore[no-untyped-def]
        self.context = browser.new_context(viewport={"width": 1440, "height": 1000})
        self.context.add_init_script(WATCH_CSP)
        self.context.set_default_timeout(120_000)  # the contract report reads months of telemetry
        self.context.set_default_navigation_timeout(120_000)
        self.page = self.context.new_page()
        self.base, self.shots = base, shots
        self.problems: list[str] = []
        self.page.on("pageerror", lambda e: self.problems.append(f"script error: {e}"))
        self.page.on(
            "console",
            lambda m: (
                self.problems.append(f"console: {m.text}")
                if "Content Security Policy" in m.text
                else None
            ),
        )
        if username:
            self.page.goto(base + "/login")
            self.page.fill("#username", username)
            self.page.fill("#password", DEMO_PASSWORD)
            self.page.click("button[type=submit]")
            self.page.wait_for_url(re.compile(r".*/(accounts|today)$"))

    def check(self, path: str | None = None, shot: str | None = None) -> None:
        """Open ``path`` (or stay), let HTMX settle, and record what the browser refused."""
        if path is not None:
            response = self.page.goto(self.base + path)
            assert response is not None and response.status == 200, (path, response)
            csp = response.headers["content-security-policy"]
            assert "unsafe-inline" not in csp and "style-src 'self';" in csp, csp
        self.page.wait_for_load_state("networkidle")
        where = self.page.url.removeprefix(self.base)
        self.problems += [f"{where}: {v}" for v in self.page.evaluate("window.__csp")]
        if shot:
            self.page.screenshot(path=str(self.shots / f"{shot}.png"), full_page=True)

    def first_link(self, selector: str) -> str:
        """The path of the first link matching ``selector`` (the page must have one)."""
        href = self.page.locator(selector).first.get_attribute("href")
        assert href, selector
        return href.removeprefix(self.base)


def test_main_pages_render_without_a_csp_violation(demo, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, logins = demo
    shots = Path(os.environ.get("SERVITIZE_TEST_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)

    anonymous = Visitor(browser, base, None, shots)
    anonymous.check("/login", "login")

    admin = Visitor(browser, base, logins["admin"], shots)
    admin.check("/accounts", "accounts")
    account = admin.first_link("#account-results tbody td.primary a")
    admin.check(account, "account-360")
    admin.check(admin.first_link("#installed-base tbody a[href^='/assets/']"), "machine")
    admin.check(account + "/leads", "account-leads")
    admin.check(account + "/contacts/new", "new-contact")
    admin.check(account + "/consent", "consent")
    for path in ("/segments", "/twin", "/inbox", "/leaderboard", "/report", "/visits/new"):
        admin.check(path, path.strip("/").replace("/", "-"))
    admin.check("/inbox")
    admin.check(admin.first_link("a[href^='/inbox/']"), "lead")
    admin.check("/opportunities", "pipeline")
    admin.page.fill("#n-title", "Rebuild of line 2")
    admin.page.fill("#n-value", "250000")
    admin.page.get_by_role("button", name="Create").click()  # a POST form with its CSRF field
    admin.page.wait_for_url(re.compile(r".*/opportunities/\d+$"))
    admin.check(None, "opportunity-blueprint")
    admin.check("/contracts", "contracts")
    admin.check(admin.first_link("a[href*='/report?']"), "contract-report")
    admin.check("/admin/audit", "audit")
    admin.check("/admin/tokens", "tokens")
    admin.check("/api/docs")

    technician = Visitor(browser, base, logins["technician"], shots)
    technician.check("/today", "today")
    technician.check(technician.first_link("a[href^='/visits/']:not([href$='/new'])"), "visit")
    technician.page.get_by_test_id("new-sheet").click()  # HTMX-less POST, then the sheet page
    technician.page.wait_for_url(re.compile(r".*/sheets/\d+$"))
    technician.check(None, "sheet")

    problems = anonymous.problems + admin.problems + technician.problems
    assert not problems, "\n".join(problems)
