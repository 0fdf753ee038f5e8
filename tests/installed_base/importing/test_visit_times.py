"""Visits import with a time of day and a duration: HH:MM, 1 to 1440 minutes; bad values are
rejected with their reason, a changed time updates the visit."""

from __future__ import annotations

from datetime import time
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from servitize.installed_base.models import Visit
from tests.installed_base.importing.helpers import base, prefix, rejects, run, write


def _technician(engine: Engine, folder: Path, p: str) -> None:
    write(folder / "tech.csv", f"username,role,territory\n{p}-tech,technician,north\n")
    assert run(engine, "users", folder / "tech.csv").rejected == 0


def _times(engine: Engine, p: str) -> dict[str, tuple[time | None, int | None]]:
    with Session(engine) as s:
        rows = s.execute(
            select(Visit.external_id, Visit.start_time, Visit.duration_minutes).where(
                Visit.external_id.like(f"{p}-%")
            )
        )
        return {e: (t, d) for e, t, d in rows}


def test_visits_land_with_start_time_and_duration_and_bad_ones_say_why(
    engine: Engine, tmp_path: Path
) -> None:
    p = prefix()
    base(engine, tmp_path, p)
    _technician(engine, tmp_path, p)
    head = "external_id,technician,account,site,date,job_type,start_time,duration_minutes\n"
    rows = [
        f"{p}-V1,{p}-tech,{p}-A1,{p}-S1,2026-03-02,repair,08:30,90",
        f"{p}-V2,{p}-tech,{p}-A1,,2026-03-03,maintenance,7:05,1440",
        f"{p}-V3,{p}-tech,{p}-A2,,2026-03-04,maintenance,,",  # all day: no time, no length
        f"{p}-V4,{p}-tech,{p}-A2,,2026-03-05,maintenance,25:00,60",
        f"{p}-V5,{p}-tech,{p}-A2,,2026-03-05,maintenance,8.30,60",
        f"{p}-V6,{p}-tech,{p}-A2,,2026-03-05,maintenance,09:00,0",
        f"{p}-V7,{p}-tech,{p}-A2,,2026-03-05,maintenance,09:00,1441",
        f"{p}-V8,{p}-tech,{p}-A2,,2026-03-05,maintenance,09:00:30,60",
    ]
    result = run(engine, "visits", write(tmp_path / "visits.csv", head + "\n".join(rows) + "\n"))
    assert (result.landed, result.rejected) == (3, 5)
    found = _times(engine, p)
    assert found == {
        f"{p}-V1": (time(8, 30), 90),
        f"{p}-V2": (time(7, 5), 1440),
        f"{p}-V3": (None, None),
    }
    why = {r["external_id"]: r["reason"] for r in rejects(result)}
    assert "start_time '25:00' is not a time of day (HH:MM)" in why[f"{p}-V4"]
    assert "start_time '8.30' is not a time of day (HH:MM)" in why[f"{p}-V5"]
    assert "duration_minutes '0' is outside 1 to 1440" in why[f"{p}-V6"]
    assert "duration_minutes '1441' is outside 1 to 1440" in why[f"{p}-V7"]
    assert "start_time '09:00:30' is not a time of day (HH:MM)" in why[f"{p}-V8"]

    # The same file again changes nothing; a moved start time updates the visit.
    again = run(engine, "visits", tmp_path / "visits.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    moved = head + f"{p}-V1,{p}-tech,{p}-A1,{p}-S1,2026-03-02,repair,13:15,45\n"
    later = run(engine, "visits", write(tmp_path / "moved.csv", moved))
    assert (later.updated, later.rejected) == (1, 0)
    assert _times(engine, p)[f"{p}-V1"] == (time(13, 15), 45)
