"""Schemathesis over the lab's and the simulation's routes alone (the suite's run covers the
whole API): no 5xx, every status documented, every answer matching its schema; valid and
invalid requests."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode

from tests.web.test_schemathesis import CHECKS, _summary, api  # noqa: F401 - the fixture

EXAMPLES = 12


@pytest.mark.slow
def test_the_lab_api_holds_under_generated_requests(api) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    app, auth, _known = api
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [
        r.ok()
        for r in schema.get_all_operations()
        if "/network-models" in r.ok().path or "/organisation/" in r.ok().path
    ]
    assert len(operations) >= 8, [o.label for o in operations]
    failures: list[str] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case) -> None:  # type: ignore[no-untyped-def]
                case.validate_response(case.call(headers=auth), checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                continue
            except (AssertionError, BaseExceptionGroup) as exc:
                failures.append(f"{operation.label} [{mode.value}]: {_summary(exc)}")
    assert not failures, "\n\n".join(failures)
