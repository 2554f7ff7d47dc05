"""The capture loop over the real encrypted store, with a fake screen, grabber and OCR."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from app.capture.sessions import QUEUE_KIND
from app.domain import utcnow
from tests.unit.capture_fakes import Clock, FakeScreen, fake_capture

REPORT = [
    "Quarterly report for the northern region",
    "Revenue grew eleven percent over the spring",
    "Hiring plans focus on support engineers",
]


def _texts(memloci, query: str) -> list[str]:
    """Texts of the hits for a query (one distinctive word: the hybrid index catches up with
    updated records in the background, so multi-word ranking may lag a moment)."""
    return [hit.text for hit in memloci.search(query)]


def _eventually(memloci, query: str, text: str, seconds: float = 10.0) -> bool:
    """The search index follows updated records on its own thread: wait for it briefly."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(text in t for t in _texts(memloci, query)):
            return True
        time.sleep(0.05)
    return False


def _run(service, clock: Clock, seconds: float = 31.0) -> None:
    """Two looks `seconds` apart (a change is seen by the first and read, settled, by the
    second), then the reads."""
    service.tick()
    clock.advance(seconds)
    service.tick()
    service.drain_ocr()


def test_text_on_screen_becomes_a_searchable_session_with_app_title_and_source(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    screen.open("LibreOffice Writer", "report.docx - LibreOffice Writer", REPORT)
    service = fake_capture(memloci, screen, clock)
    result = service.tick()
    assert result.activity == "capturing" and result.read == "full"
    # Searchable at once by app and title, before any text was read.
    hits = memloci.search("report.docx Writer")
    assert [h.id for h in hits] == [result.memory_id]
    assert service.drain_ocr() == 1
    hit = memloci.search("northern")[0]
    memory = memloci.get(hit.id)
    assert memory.fields["event_type"] == "screen"
    assert memory.fields["actor"] == "LibreOffice Writer"
    assert memory.fields["summary"] == "Editing report.docx in LibreOffice Writer"
    assert "Window: report.docx - LibreOffice Writer" in memory.fields["details"]
    assert [s.to_dict() for s in memory.sources] == [{"kind": "screen", "ref": result.session_id}]
    assert memory.origin == "capture"


def test_an_unchanged_screen_triggers_no_ocr_and_a_change_reads_only_the_new_lines(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    wid = screen.open("Editor", "notes.txt - Editor", REPORT)
    service = fake_capture(memloci, screen, clock)
    _run(service, clock)
    assert len(service.fake_ocr.calls) == 1
    for _ in range(5):
        _run(service, clock)
    assert len(service.fake_ocr.calls) == 1  # nothing new on screen: no read at all
    assert service.pipeline.counters.unchanged >= 1
    screen.windows[wid].lines.append("A brand new paragraph about budgets")
    _run(service, clock)
    assert len(service.fake_ocr.calls) == 2
    assert service.fake_ocr.calls[1] < 120  # a band, not the 600-pixel window
    # Searchable right after the read, not when the session ends.
    assert _eventually(memloci, "budgets", "brand new paragraph about budgets")


def test_a_blinking_caret_costs_at_most_one_extra_read(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    wid = screen.open("Editor", "notes.txt - Editor", REPORT)
    service = fake_capture(memloci, screen, clock)
    for n in range(8):
        screen.windows[wid].caret_on = bool(n % 2)
        _run(service, clock)
    assert len(service.fake_ocr.calls) <= 2


def test_scrolling_reads_only_what_scrolled_into_view(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    lines = [f"Line number {n} of a long article about rivers" for n in range(80)]
    wid = screen.open("Reader", "article.pdf - Reader", lines)
    service = fake_capture(memloci, screen, clock)
    _run(service, clock)
    screen.windows[wid].scroll = 5
    _run(service, clock)
    assert len(service.fake_ocr.calls) == 2
    assert service.fake_ocr.calls[1] < 200
    service.upkeep(now=utcnow() + timedelta(minutes=6))
    text = memloci.get(service.sessions.open_sessions()[0].memory_id).fields["details"]
    assert "Line number 41 of" in text  # one of the lines that scrolled in


def test_excluded_window_is_never_grabbed_read_or_stored(memloci, home) -> None:
    screen, clock = FakeScreen(), Clock()
    screen.open("KeePassXC", "Passwords.kdbx - KeePassXC", ["zebracanary hunter2 vault"])
    service = fake_capture(memloci, screen, clock)
    result = service.tick()
    assert result.activity == "excluded" and "keepassxc" in result.detail
    assert service.fake_grabber.grabs == 0 and service.fake_ocr.calls == []
    assert memloci.search("zebracanary") == [] and memloci.search("Passwords.kdbx") == []
    assert memloci._parts.database.scalar("SELECT count(*) FROM capture_sessions") == 0
    rows = memloci._parts.database.query("SELECT value FROM capture_state")
    assert not any("kdbx" in r["value"] for r in rows)


def test_user_rules_exclude_by_title_and_url_and_apply_without_restart(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    screen.open("Chromium", "My Bank - Chromium", ["balance"], url="https://bank.example.com/x")
    service = fake_capture(memloci, screen, clock)
    assert service.tick().activity == "capturing"
    rule = memloci.capture.exclude("url", "*bank.example.com*")
    assert service.tick().activity == "excluded"
    memloci.capture.unexclude(rule.id)
    memloci.capture.exclude("title", "*bank*")
    assert service.tick().activity == "excluded"


def test_card_numbers_and_tokens_on_screen_are_stored_only_as_placeholders(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    screen.open(
        "Mail", "Inbox - Mail", ["Your card 4111 1111 1111 1111 was charged", "Password: hunter2"]
    )
    service = fake_capture(memloci, screen, clock)
    _run(service, clock)
    details = memloci.get(service.sessions.open_sessions()[0].memory_id).fields["details"]
    assert "[REDACTED:card]" in details and "[REDACTED:password]" in details
    dump = json.dumps(memloci._parts.database.query("SELECT * FROM memories"), default=str)
    dump += json.dumps(memloci._parts.database.query("SELECT * FROM memory_history"), default=str)
    assert "4111" not in dump and "hunter2" not in dump


def test_window_switches_make_sessions_and_a_quick_return_continues_one(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    a = screen.open("Writer", "a.odt - Writer", ["First document text here"])
    b = screen.open("Calc", "b.ods - Calc", ["Spreadsheet figures for March"])
    service = fake_capture(memloci, screen, clock)
    screen.front = a
    first = service.tick().session_id
    screen.front = b
    second = service.tick().session_id
    screen.front = a
    assert service.tick().session_id == first != second
    assert memloci._parts.database.scalar("SELECT count(*) FROM capture_sessions") == 2


def test_records_follow_new_text_within_seconds_without_a_history_row_per_read(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    wid = screen.open("Editor", "log.txt - Editor", ["Start of the log"])
    service = fake_capture(memloci, screen, clock)
    service.tick()
    service.drain_ocr()
    memory_id = service.sessions.open_sessions()[0].memory_id
    window = screen.windows[wid]
    for n in range(80):  # a line every 15 s for 20 minutes, each read once it settled
        window.lines.append(f"Entry {n} describes a new finding about glaciers")
        window.scroll = max(0, len(window.lines) - 30)
        _run(service, clock, seconds=15)
        details = memloci.get(memory_id).fields["details"]
        if n < 5:  # a young session's record follows every read
            assert f"Entry {n} describes" in details
    assert service.reader.runs >= 80
    # Fewer history rows than reads: a long session's record is written a tenth of its age
    # apart, so it keeps up within two minutes here, within five at most.
    versions = len(memloci.history(memory_id))
    assert 10 <= versions <= 40
    clock.advance(121)
    service.flush_records()
    assert "Entry 79 describes" in memloci.get(memory_id).fields["details"]


def test_new_text_reaches_the_agents_in_batches_with_the_agreed_payload(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    wid = screen.open("Editor", "plan.md - Editor", ["Plan for the garden"])
    service = fake_capture(memloci, screen, clock, agent_batch_frames=3)
    for n in range(4):
        screen.windows[wid].lines.append(f"Step {n}: plant the tomatoes near the fence")
        _run(service, clock)
    service.upkeep()
    items = memloci._parts.queue.claim([QUEUE_KIND])
    assert len(items) == 1
    payload = items[0].payload
    assert set(payload) == {
        "memory_id",
        "session_id",
        "app",
        "title",
        "url",
        "start",
        "end",
        "text",
    }
    assert items[0].ref == payload["session_id"]
    assert "Plan for the garden" in payload["text"] and "Step 2: plant" in payload["text"]
    memloci._parts.queue.done([i.id for i in items])
    screen.windows[wid].lines.append("A final note about watering")
    _run(service, clock)
    screen.front = None
    service.tick()
    service.upkeep(now=utcnow() + timedelta(minutes=10))  # past the merge window: the end
    final = memloci._parts.queue.claim([QUEUE_KIND])
    assert len(final) == 1 and final[0].payload["text"] == "A final note about watering"
    row = memloci._parts.database.query("SELECT status, lines FROM capture_sessions")[0]
    assert row == {"status": "final", "lines": "[]"}  # the text lives in the memory now


def test_forgetting_a_session_memory_removes_its_rows_and_does_not_restart_it(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    screen.open("Editor", "diary.txt - Editor", ["Dear diary, private thoughts"])
    service = fake_capture(memloci, screen, clock)
    result = service.tick()
    memloci.forget(result.memory_id)
    assert memloci._parts.database.scalar("SELECT count(*) FROM capture_sessions") == 0
    again = service.tick()
    assert again.session_id is None and memloci.search("diary") == []
    service.drain_ocr()
    assert memloci.search("private thoughts") == []


def test_idle_locked_and_paused_capture_nothing_and_end_the_session(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    screen.open("Editor", "x.txt - Editor", ["Some text to see"])
    service = fake_capture(memloci, screen, clock, idle_minutes=1)
    assert service.tick().activity == "capturing"
    screen.idle = 120
    assert service.tick().activity == "idle"
    assert service.sessions.open_sessions() == []
    screen.idle, screen.locked = 0, True
    assert service.tick().activity == "locked"
    screen.locked = False
    memloci.capture.pause(minutes=10)
    grabs = service.fake_grabber.grabs
    assert service.tick().activity == "paused" and service.fake_grabber.grabs == grabs
    memloci.capture.resume()
    assert service.tick().activity == "capturing"


def test_pause_minutes_are_validated(memloci) -> None:
    from app.errors import InvalidInput

    with pytest.raises(InvalidInput):
        memloci.capture.pause(minutes=-1)
    with pytest.raises(InvalidInput):
        memloci.capture.pause(minutes=20_000)


def test_long_sessions_continue_as_parts_without_losing_text(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    wid = screen.open("Reader", "book.epub - Reader", [])
    service = fake_capture(memloci, screen, clock)
    window = screen.windows[wid]
    for n in range(30):
        window.lines = [f"Page {n} line {k}: " + "words " * 60 for k in range(35)]
        _run(service, clock)
    sessions = memloci._parts.database.query("SELECT id FROM capture_sessions")
    assert len(sessions) >= 2
    summaries = [m.fields["summary"] for m in memloci.list("episodic", limit=100)]
    assert any("(part 2)" in s for s in summaries)


def test_a_session_forgotten_in_another_process_sends_nothing_more(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    wid = screen.open("Editor", "plan.md - Editor", ["Plan for the garden"])
    service = fake_capture(memloci, screen, clock, agent_batch_frames=1)
    result = service.tick()
    # Another process forgets the record: no signal reaches this one, only the rows go.
    memloci._parts.repo.forget([result.memory_id])
    screen.windows[wid].lines.append("Secret plan to plant tomatoes")
    _run(service, clock)
    service.upkeep()
    assert memloci._parts.queue.claim([QUEUE_KIND]) == []
    assert service.tick().session_id is None  # not started again for the same window
