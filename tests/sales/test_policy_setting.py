"""An operator's own sales policy (SERVITIZE_SALES_POLICY, settings.sales.policy) reaches the
API, the pages and the commands; without it the packaged policy applies."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from servitize.core.settings import Settings
from servitize.sales.process import policy, policy_of
from servitize.trust.service import issue_token
from tests import builders as b

PACKAGED = Path(__file__).parents[2] / "src/servitize/sales/process_templates/policy.yaml"


def _own_policy(tmp_path: Path) -> Path:
    """A copy of the packaged policy in which phase 1 wins 33 times in 100 (packaged: 10)."""
    text = PACKAGED.read_text("utf-8")
    assert "phase_probability: {1: 10," in text
    own = tmp_path / "policy.yaml"
    own.write_text(text.replace("phase_probability: {1: 10,", "phase_probability: {1: 33,"))
    return own


def test_the_setting_names_the_file_and_each_file_is_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = _own_policy(tmp_path)
    monkeypatch.setenv("SERVITIZE_SALES_POLICY", str(own))
    settings = Settings()
    assert settings.sales.policy == own
    assert policy_of(settings).phase_probability[1] == 33
    assert policy_of(settings) is policy(own)  # parsed once per file
    assert policy().phase_probability[1] == 10  # the packaged one, untouched
    assert policy_of(Settings(sales={"policy": None})).phase_probability[1] == 10


def test_the_api_answers_with_the_operators_policy(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    session: Session,
    database_url: str,
    connection: sa.Connection,
) -> None:
    from fastapi.testclient import TestClient

    from servitize.web.app import create_app

    monkeypatch.setenv("SERVITIZE_SALES_POLICY", str(_own_policy(tmp_path)))
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    auth = {"Authorization": f"Bearer {issue_token(session, owner)}"}
    app = create_app(Settings(database_url=database_url, environment="test"))
    with TestClient(app) as client:
        app.state.session_factory = lambda: Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        r = client.post(
            "/api/v1/opportunities", headers=auth, json={"account_id": account.id, "title": "x"}
        )
        assert r.status_code == 201, r.text
        assert r.json()["probability"] == 33
        listed = client.get("/api/v1/opportunities", headers=auth).json()["items"]
        assert [o["probability"] for o in listed] == [33]
