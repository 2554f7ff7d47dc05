"""Getting to a moment through the facade: Find on the Timeline (every word, as a prefix, in
time order, forgotten and invalidated memories left out), on this day in earlier years, kept
frames by time range, and words located on a frame from tesseract's boxes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from app.capture.frame_text import boxes_in_tsv
from app.domain import MemoryType
from app.errors import InvalidInput


def at(day: date, hour: int) -> str:
    return datetime.combine(day, time(hour)).astimezone().isoformat()


def test_find_needs_every_word_matches_prefixes_and_keeps_time_order(memloci) -> None:
    day = date(2024, 3, 5)
    later = memloci.add("Pottery glaze colours", fields={"occurred_at": at(day, 15)})
    earlier = memloci.add("Booked a pottery class", fields={"occurred_at": at(day, 9)})
    memloci.add("Bought glaze for the kitchen", fields={"occurred_at": at(day, 11)})
    memloci.add("Pottery is a craft", type=MemoryType.SEMANTIC)
    gone = memloci.add("Pottery receipt", fields={"occurred_at": at(day, 12)})
    memloci.forget(gone.id)
    hits = memloci.timeline_find("pott")
    assert [m.memory_id for m in hits.moments] == [earlier.id, later.id]
    assert hits.moments[0].at < hits.moments[1].at and not hits.truncated
    assert [m.memory_id for m in memloci.timeline_find("pottery glaze").moments] == [later.id]
    assert memloci.timeline_find('"quoted" (odd) * text').moments == []
    with pytest.raises(InvalidInput):
        memloci.timeline_find("   ")


def test_on_this_day_lists_earlier_years_newest_first(memloci) -> None:
    today = date(2026, 6, 4)
    memloci.add("Hike on the ridge", fields={"occurred_at": at(date(2024, 6, 4), 10)})
    memloci.add("Lunch with Jonas", fields={"occurred_at": at(date(2024, 6, 4), 13)})
    memloci.add("Moved flat", fields={"occurred_at": at(date(2021, 6, 4), 9)})
    memloci.add("The day after", fields={"occurred_at": at(date(2021, 6, 5), 9)})
    memloci.add("This year", fields={"occurred_at": at(today, 9)})
    days = memloci.on_this_day(today)
    assert [(d.day, d.events) for d in days] == [(date(2024, 6, 4), 2), (date(2021, 6, 4), 1)]
    assert "Hike" in days[0].first


def test_active_days_count_events_per_local_day(memloci) -> None:
    memloci.add("Early", fields={"occurred_at": at(date(2024, 6, 3), 0)})
    memloci.add("Late", fields={"occurred_at": at(date(2024, 6, 3), 23)})
    memloci.add("Next", fields={"occurred_at": at(date(2024, 6, 4), 12)})
    memloci.add("Outside", fields={"occurred_at": at(date(2024, 7, 1), 12)})
    gone = memloci.add("Forgotten", fields={"occurred_at": at(date(2024, 6, 5), 12)})
    memloci.forget(gone.id)
    days = memloci.active_days(date(2024, 6, 1), date(2024, 6, 30))
    assert days == {date(2024, 6, 3): 2, date(2024, 6, 4): 1}


def test_kept_frames_by_time_range(memloci) -> None:
    from tests.ui.timeline_store import screen_session

    start = datetime.combine(date(2025, 1, 2), time(10)).astimezone()
    screen_session(memloci, "s1", start, 30, frames=[["one"], ["two"], ["three"]])
    frames = memloci.capture.frames_between(start, start + timedelta(minutes=20))
    assert [f.session_id for f in frames] == ["s1", "s1"]
    assert frames[0].taken_at < frames[1].taken_at
    assert len(memloci.capture.frames("s1", oldest_first=True)) == 3
    assert memloci.capture.frame(frames[0].id)[:4] == b"RIFF"  # decrypted WebP


def test_boxes_come_from_tesseract_words_that_start_with_a_query_word() -> None:
    header = "level\tpage\tblock\tpar\tline\tword\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        "5\t1\t1\t1\t1\t1\t100\t50\t200\t40\t91.2\tPottery,",
        "5\t1\t1\t1\t1\t2\t320\t50\t100\t40\t88.0\tclass",
        "5\t1\t1\t1\t2\t1\t100\t120\t150\t40\t12.0\tpottery",  # unsure: left out
        "4\t1\t1\t1\t2\t0\t100\t120\t150\t40\t-1\t",
    ]
    boxes = boxes_in_tsv("\n".join([header, *rows]), ["pott"], 1000, 500)
    assert [(b.text, b.left, b.top, b.width, b.height) for b in boxes] == [
        ("Pottery,", 0.1, 0.1, 0.2, 0.08)
    ]
