"""Service work's pure rules: the status machine, alert rules, PM due dates, slot clashes,
photo checks. Expected values worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from servitize.core.errors import Conflict, InvalidInput
from servitize.service_work import rules
from servitize.service_work.rules import Slot

AT = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        ("new", "scheduled", True),
        ("new", "in_progress", True),
        ("new", "cancelled", True),
        ("new", "done", False),  # work nobody was sent to is not done
        ("scheduled", "new", True),
        ("scheduled", "in_progress", True),
        ("scheduled", "done", True),
        ("scheduled", "cancelled", True),
        ("in_progress", "done", True),
        ("in_progress", "scheduled", True),
        ("in_progress", "cancelled", False),  # what was done is kept
        ("in_progress", "new", False),
        ("done", "in_progress", False),
        ("done", "cancelled", False),
        ("cancelled", "new", False),
        ("cancelled", "scheduled", False),
    ],
)
def test_status_moves(current: str, target: str, allowed: bool) -> None:
    if allowed:
        rules.check_move(current, target)
    else:
        with pytest.raises(Conflict) as e:
            rules.check_move(current, target)
        assert e.value.message.startswith("status:")


def test_an_unknown_status_is_bad_input_not_a_conflict() -> None:
    with pytest.raises(InvalidInput, match="status"):
        rules.check_move("new", "finished")


def test_closed_work_is_not_open() -> None:
    assert [s for s in rules.STATUSES if rules.is_open(s)] == ["new", "scheduled", "in_progress"]


def test_repeated_downs_counts_the_window_up_to_now() -> None:
    downs = [
        AT - timedelta(hours=25),  # outside a 24 h window
        AT - timedelta(hours=24),  # on the window's open edge: outside
        AT - timedelta(hours=23, minutes=59),
        AT - timedelta(hours=5),
        AT,
        AT + timedelta(minutes=1),  # after the scan's moment
    ]
    assert rules.downs_in_window(downs, AT, 24) == 3
    assert rules.repeated_downs(downs, AT, 24, 3)
    assert not rules.repeated_downs(downs, AT, 24, 4)
    assert rules.downs_in_window(downs, AT, 6) == 2


def test_a_threshold_is_strict() -> None:
    assert rules.beyond(90.5, "above", 90)
    assert not rules.beyond(90.0, "above", 90)
    assert rules.beyond(1.9, "below", 2)
    assert not rules.beyond(2.0, "below", 2)


def test_months_clamp_to_the_end_of_a_short_month() -> None:
    assert rules.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert rules.add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert rules.add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert rules.due_by_months(date(2026, 6, 30), 6) == date(2026, 12, 30)
    assert rules.add_months(date(2026, 12, 1), 12) == date(2027, 12, 1)


def test_hours_due_date_is_projected_at_the_pace_run() -> None:
    # 100 days since the last service, 400 h run: 4 h a day; 500 h interval → 100 h left → 25 days.
    today = date(2026, 12, 7)
    last = today - timedelta(days=100)
    assert rules.due_by_hours(last, 400.0, 500.0, today) == today + timedelta(days=25)
    # 300 h in 100 days: 3 h/day; 200 h left → 66.7 → 67 days (rounded up: never late).
    assert rules.due_by_hours(last, 300.0, 500.0, today) == today + timedelta(days=67)
    assert rules.due_by_hours(last, 500.0, 500.0, today) == today  # reached: due now
    assert rules.due_by_hours(last, 612.5, 500.0, today) == today
    assert rules.due_by_hours(last, None, 500.0, today) is None  # no readings
    assert rules.due_by_hours(last, 0.0, 500.0, today) is None  # never ran: no pace
    # 1 h in 100 days with 99,999 h to go: 999,900 days away, past the ten years projected.
    assert rules.due_by_hours(last, 1.0, 100_000.0, today) is None


def test_a_plan_opens_its_work_the_lead_days_ahead() -> None:
    due = date(2027, 1, 6)
    assert rules.opens_now(due, date(2026, 12, 7), 30)  # 30 days before
    assert not rules.opens_now(due, date(2026, 12, 6), 30)
    assert rules.opens_now(due, date(2027, 2, 1), 30)  # late work still opens


def test_slots_clash_when_their_times_overlap() -> None:
    day = date(2026, 12, 8)
    ten = Slot(day, time(10, 0), 120, "WO-1")
    assert rules.clash(Slot(day, time(8, 0), 120), [ten]) is None  # 08–10 ends as 10 begins
    assert rules.clash(Slot(day, time(11, 59), 15), [ten]) == ten
    assert rules.clash(Slot(day, time(9, 0), 61), [ten]) == ten
    assert rules.clash(Slot(day, time(12, 0), 60), [ten]) is None
    assert rules.clash(Slot(day + timedelta(days=1), time(10, 0), 60), [ten]) is None
    all_day = Slot(day, None, None, "visit V-1")
    assert rules.clash(Slot(day, time(6, 0), 30), [all_day]) == all_day


def test_check_slot_refuses_weekend_skill_and_overlap() -> None:
    saturday = date(2026, 12, 12)
    with pytest.raises(InvalidInput, match=r"^day: Saturday 12 December is a weekend day"):
        rules.check_slot(Slot(saturday, time(8), 60), [], False, None, [], "Tom")
    rules.check_slot(Slot(saturday, time(8), 60), [], True, None, [], "Tom")  # allowed
    monday = date(2026, 12, 7)
    with pytest.raises(InvalidInput, match=r"^technician_id: Tom does not have the skill"):
        rules.check_slot(Slot(monday, time(8), 60), [], False, "hydraulics", ["electrical"], "Tom")
    busy = Slot(monday, time(8, 30), 60, "WO-000007 at Acme")
    with pytest.raises(Conflict) as e:
        rules.check_slot(Slot(monday, time(8), 60), [busy], False, None, [], "Tom")
    assert e.value.message == "start: Tom is busy Mon 07 Dec 08:30–09:30 (WO-000007 at Acme)"
    with pytest.raises(InvalidInput, match="past midnight"):
        rules.check_slot(Slot(monday, time(23), 120), [], False, None, [], "Tom")


def test_board_days_are_monday_to_friday_unless_weekends_are_shown() -> None:
    monday = rules.week_of(date(2026, 12, 10))
    assert monday == date(2026, 12, 7)
    assert [d.day for d in rules.board_days(monday, False)] == [7, 8, 9, 10, 11]
    assert len(rules.board_days(monday, True)) == 7


JPEG = b"\xff\xd8\xff\xe0" + b"0" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 100
TYPES = ["image/jpeg", "image/png", "image/webp"]


def test_photos_are_checked_for_type_size_and_content() -> None:
    assert rules.check_photo("image/jpeg", JPEG, TYPES, 1000) == "jpg"
    assert rules.check_photo("image/png", PNG, TYPES, 1000) == "png"
    assert rules.check_photo("image/webp", b"RIFF\0\0\0\0WEBPVP8 ", TYPES, 1000) == "webp"
    for kind, data, size, reason in [
        ("image/gif", b"GIF89a", 1000, "photo: a image/jpeg"),
        ("image/jpeg", b"", 1000, "photo: the file is empty"),
        ("image/jpeg", JPEG, 50, "photo: 104 bytes; at most 50"),
        ("image/png", JPEG, 1000, "photo: the file is not a image/png picture"),
        ("image/webp", b"RIFF\0\0\0\0AVI ", 1000, "not a image/webp"),
    ]:
        with pytest.raises(InvalidInput) as e:
            rules.check_photo(kind, data, TYPES, size)
        assert reason in e.value.message


def test_a_time_of_day_is_read_or_refused_naming_the_field() -> None:
    assert rules.parse_time("07:45") == time(7, 45)
    with pytest.raises(InvalidInput, match=r"^start: a time of day"):
        rules.parse_time("25:00")
