"""The audit trail page: admins read every change; others are refused."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import log_in


def test_admin_reads_the_audit_trail_others_do_not(client: TestClient, seeded) -> None:  # type: ignore[no-untyped-def]
    log_in(client, "olga")  # a login is itself audited
    assert client.get("/admin/audit").status_code == 403
    client.cookies.clear()
    log_in(client, "ada")
    page = client.get("/admin/audit?entity=user")
    assert page.status_code == 200
    assert "login" in page.text and "olga" in page.text
