"""When a window is read: after a change has settled, small changes later, a window that keeps
changing every so often, a caret never, a window left at once; OCR on a per-minute budget."""

from __future__ import annotations

import numpy as np

from app.capture.ocr import parse_tsv
from app.capture.trigger import OcrBudget, changed_rows, note_change, read_due
from app.settings import CaptureSettings
from tests.unit.capture_fakes import Clock, FakeScreen, fake_capture

REPORT = [f"Paragraph {n} of the quarterly report on harbour traffic" for n in range(30)]


def _tick(service, clock: Clock, seconds: float = 3.0) -> str:
    """One look, then the reads it queued; the clock moves on. Returns the look's read."""
    result = service.tick()
    service.drain_ocr()
    clock.advance(seconds)
    return result.read


def _stored(memloci, text: str) -> bool:
    """Read and in a session's record (each record takes new text within seconds)."""
    service = memloci._parts.capture
    service._monotonic.advance(11)
    service.flush_records()
    return any(text in m.text for m in memloci.list("episodic", limit=100))


def test_changed_rows_and_noise() -> None:
    before = np.zeros((10, 40), dtype=np.uint32)
    after = before.copy()
    after[3, 1:30] = 7
    rows = changed_rows(before.tobytes(), after.tobytes(), 40)
    assert rows.tolist() == [i == 3 for i in range(10)]
    assert changed_rows(None, after.tobytes(), 40).all()
    caret = before.copy()
    caret[2:9, 20:22] = 9  # tall and narrow
    assert not changed_rows(before.tobytes(), caret.tobytes(), 40).any()
    assert note_change(None, rows, 5.0) is None  # one row: a caret, not content
    many = np.zeros(100, dtype=bool)
    many[10:40] = True
    unread = note_change(None, many, 5.0)
    assert unread is not None and unread.share == 0.3 and unread.since == unread.moved == 5.0


def test_large_changes_settle_briefly_small_ones_longer_and_busy_windows_wait_at_most() -> None:
    settings = CaptureSettings(read_settle_seconds=2, read_max_wait_seconds=15)
    large = np.zeros(100, dtype=bool)
    large[:50] = True
    unread = note_change(None, large, 100.0)
    assert read_due(unread, 101.0, None, settings) is None
    assert read_due(unread, 102.0, None, settings) == "settled"
    assert read_due(unread, 102.0, 99.0, settings) is None  # the same window read 3 s ago
    small = np.zeros(100, dtype=bool)
    small[:8] = True
    typed = note_change(None, small, 100.0)
    assert read_due(typed, 104.0, None, settings) is None
    assert read_due(typed, 106.0, None, settings) == "settled"
    for second in range(101, 116):  # typing on: it never settles
        typed = note_change(typed, small, float(second))
        if second < 115:
            assert read_due(typed, float(second), None, settings) is None
    assert read_due(typed, 115.0, None, settings) == "waited"


def test_the_budget_refills_with_time_and_only_a_window_left_may_overdraw_it() -> None:
    clock = Clock()
    settings = CaptureSettings(ocr_cpu_percent=1.0)  # 0.6 s a minute, 1.8 s saved at most
    budget = OcrBudget(lambda: settings, clock)
    assert budget.allows()
    budget.spend(2.5)
    assert not budget.allows() and budget.waits == 1
    assert budget.allows(must=True)
    clock.advance(60)  # 0.6 s back: still short
    assert not budget.allows()
    clock.advance(60)
    assert budget.allows()
    clock.advance(3600)  # saving is capped
    budget.spend(1.9)
    assert not budget.allows()


def test_low_confidence_words_are_kept_when_they_look_like_words() -> None:
    header = "level\tpage\tblock\tpar\tline\tword\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        header,
        "5\t1\t18\t1\t3\t1\t1230\t540\t60\t14\t83.4\tHeight",
        "5\t1\t18\t1\t3\t2\t1323\t541\t50\t14\t29.7\t31.4m",  # after the gap: low confidence
        "5\t1\t18\t1\t3\t3\t1400\t541\t10\t14\t22.0\t@",
        "5\t1\t18\t1\t3\t4\t1420\t541\t40\t14\t4.0\trelief",
    ]
    lines, words = parse_tsv("\n".join(rows))
    assert lines == ["Height 31.4m"] and words == 2


def test_a_new_page_is_read_once_it_stays_not_while_it_is_drawn(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    wid = screen.open("Reader", "report.pdf - Reader", REPORT[:5])
    service = fake_capture(memloci, screen, clock, read_settle_seconds=2.5)
    assert _tick(service, clock) == "full"  # a window's first frame: at once
    screen.windows[wid].lines = [f"Page two, line {n}, about berths and cranes" for n in range(30)]
    assert _tick(service, clock, 1.0) == "none"  # just changed
    assert _tick(service, clock, 2.0) == "none"  # 1 s later: not settled yet
    assert _tick(service, clock) in ("full", "regions")  # stayed 3 s: read
    assert _stored(memloci, "Page two, line 17, about berths")
    calls = len(service.fake_ocr.calls)
    for _ in range(10):  # nothing changes: nothing is read
        _tick(service, clock)
    assert len(service.fake_ocr.calls) == calls


def test_typing_is_read_in_pauses_and_at_least_every_max_wait(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    wid = screen.open("Editor", "notes.md - Editor", ["Notes"])
    service = fake_capture(memloci, screen, clock, read_settle_seconds=2, read_max_wait_seconds=15)
    _tick(service, clock)
    window = screen.windows[wid]
    reads = []
    for n in range(12):  # a line every 3 s for 36 s: never 6 s without a change
        window.lines.append(f"Typed line {n} about the crane inspection")
        reads.append(_tick(service, clock))
    assert reads.count("none") >= 8 and 1 <= 12 - reads.count("none") <= 3
    assert _stored(memloci, "Typed line 3 about the crane")
    for _ in range(3):  # a pause: the rest is read
        _tick(service, clock)
    assert _stored(memloci, "Typed line 11 about the crane")


def test_a_blinking_caret_is_never_read(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    wid = screen.open("Editor", "notes.txt - Editor", REPORT[:8])
    service = fake_capture(memloci, screen, clock)
    _tick(service, clock)
    for n in range(30):
        screen.windows[wid].caret_on = bool(n % 2)
        _tick(service, clock, 0.6)
    assert len(service.fake_ocr.calls) == 1
    assert service.pipeline.counters.reads_skipped == 0  # not even planned


def test_a_window_left_before_its_change_settled_is_read_from_its_last_frame(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    term = screen.open("XTerm", "dev@laptop: ~/harbour", ["$ df -h"])
    other = screen.open("Chromium", "Start Page - Chromium", ["Good morning"])
    service = fake_capture(memloci, screen, clock, read_max_wait_seconds=60)
    screen.front = term
    _tick(service, clock)
    screen.windows[term].lines += [f"/dev/sda{n} 98G 71G 27G 73% /data{n}" for n in range(12)]
    _tick(service, clock, 1.0)  # seen, not settled
    screen.front = other  # the person moves on at once
    _tick(service, clock)
    assert service.pipeline.counters.reads_on_leave == 1
    assert _stored(memloci, "/dev/sda7 98G 71G 27G 73% /data7")


def test_a_spent_budget_delays_reads_but_never_loses_a_window_left(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    term = screen.open("XTerm", "ops@bastion: ~", ["$ uptime"])
    other = screen.open("Mail", "Inbox - Mail", ["No new mail"])
    service = fake_capture(memloci, screen, clock, ocr_cpu_percent=0.1)
    screen.front = term
    _tick(service, clock)
    service.budget.spend(0.3)  # spent, but a window being left may still overdraw it
    screen.windows[term].lines += [f"node-{n} up 41 days, load 0.{n}" for n in range(10)]
    for _ in range(4):
        assert _tick(service, clock) == "none"
    assert service.pipeline.counters.reads_waiting >= 2
    screen.front = other
    _tick(service, clock)
    assert _stored(memloci, "node-6 up 41 days")


def test_far_over_budget_a_left_window_is_kept_and_read_when_the_budget_allows(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    term = screen.open("XTerm", "ops@bastion: ~", ["$ uptime"])
    other = screen.open("Mail", "Inbox - Mail", ["No new mail"])
    service = fake_capture(memloci, screen, clock, ocr_cpu_percent=0.1)
    screen.front = term
    _tick(service, clock)
    _tick(service, clock)  # the mail window is read once, then the terminal is in front
    screen.front = term
    _tick(service, clock)
    service.budget.spend(0.5)  # beyond what even a window being left may overdraw (0.18 s)
    screen.windows[term].lines += [f"node-{n} up 41 days, load 0.{n}" for n in range(10)]
    _tick(service, clock)
    screen.front = other
    _tick(service, clock)
    assert service.pipeline.counters.reads_owed == 1
    service.upkeep(clock.wall())  # the kept frame survives upkeep (its session waits for it)
    assert not _stored(memloci, "node-6 up 41 days")
    for _ in range(60):  # the budget refills at 0.001 s per second
        _tick(service, clock, 10.0)
    assert service.pipeline.counters.reads_lost == 0
    assert _stored(memloci, "node-6 up 41 days")


def test_over_budget_a_page_shown_long_enough_is_read_before_it_is_scrolled_away(memloci) -> None:
    """devday's ferry guide: the timetable was on screen 20 s while the OCR budget was spent,
    then scrolled away; only the next screen was read when the budget allowed."""
    screen, clock = FakeScreen(), Clock()
    wid = screen.open("Chromium", "Ferry guide - Chromium", [f"Intro line {n}" for n in range(20)])
    service = fake_capture(memloci, screen, clock)
    assert _tick(service, clock) == "full"
    service.budget.spend(6.0)  # spent: 2.4 s in debt, inside the one burst a must-read may use
    window = screen.windows[wid]
    window.lines = [f"Weekday sailing {n} leaves Brannock Pier at 06:{n:02d}" for n in range(20)]
    for _ in range(7):  # 21 s on screen, every read refused
        assert _tick(service, clock) == "none"
    window.lines = [f"Fare {n}: bicycles cost 3.{n:02d} EUR each way" for n in range(20)]
    _tick(service, clock)
    assert _stored(memloci, "Weekday sailing 7 leaves Brannock Pier at 06:07")
    changed = service.tick()  # what replaced it waits for the budget as any read does
    assert changed.read == "none"


def test_pausing_does_not_read_what_was_waiting(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    wid = screen.open("Editor", "draft.txt - Editor", ["Draft"])
    service = fake_capture(memloci, screen, clock, read_max_wait_seconds=60)
    _tick(service, clock)
    screen.windows[wid].lines += [f"Confidential line {n} of the draft" for n in range(10)]
    _tick(service, clock, 1.0)
    memloci.capture.pause(minutes=5)
    assert service.tick().activity == "paused"
    service.drain_ocr()
    assert not _stored(memloci, "Confidential line 4")


def _episodes(memloci, app: str) -> list:
    service = memloci._parts.capture
    service._monotonic.advance(11)
    service.flush_records()
    found = [m for m in memloci.list("episodic", limit=100) if m.fields["actor"] == app]
    return sorted(found, key=lambda m: m.fields["occurred_at"])


def test_each_command_in_a_terminal_is_its_own_session(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    prompt = "dev@laptop:~/harbour$"
    wid = screen.open("XTerm", "dev@laptop: ~/harbour", [prompt])
    service = fake_capture(memloci, screen, clock)
    window = screen.windows[wid]
    _tick(service, clock)
    commands = {
        "pytest -q": ["FAILED tests/test_timetable.py::test_timetable_dst_switch", "1 failed"],
        "git log --oneline -3": ["e71b0d4 Add pilot booking endpoint", "c0ffee1 Fix tides"],
        "df -h": ["/dev/nvme0n1p2 468G 391G 54G 88% /", "tmpfs 16G 2.1M 16G 1% /run"],
    }
    for command, output in commands.items():
        window.lines[-1] = f"{prompt} {command}"
        _tick(service, clock, 1.0)  # typed
        window.lines += [*output, prompt]
        for _ in range(3):
            _tick(service, clock)
    service.capture_once()  # a full read of the whole scrollback on screen
    episodes = _episodes(memloci, "XTerm")
    assert [m.fields["summary"].rsplit(": ", 1)[-1] for m in episodes][-3:] == list(commands)
    pytest_text, log_text, df_text = (m.fields["details"] for m in episodes[-3:])
    assert "test_timetable_dst_switch" in pytest_text and "e71b0d4" not in pytest_text
    assert "e71b0d4 Add pilot booking" in log_text and "dst_switch" not in log_text
    assert "Command: df -h" in df_text and "88% /" in df_text and "e71b0d4" not in df_text
    assert len(memloci._parts.database.query("SELECT id FROM capture_sessions")) <= 4


def test_a_command_typed_slowly_and_read_half_typed_is_one_session(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    prompt = "ops@bastion-2:~/infra$"
    wid = screen.open("XTerm", "ops@bastion-2: ~/infra", [prompt, "uptime output here"])
    service = fake_capture(memloci, screen, clock, read_max_wait_seconds=4)
    window = screen.windows[wid]
    _tick(service, clock)
    command = "rsync -avz --bwlimit=4000 ./exports/ backup@vault-07.internal:/srv/archive/"
    window.lines.append(prompt)
    for end in range(10, len(command) + 1, 10):
        window.lines[-1] = f"{prompt} {command[:end]}"
        _tick(service, clock)
    window.lines[-1] = f"{prompt} {command}"
    window.lines += ["sent 4,812,113,904 bytes  received 2,110 bytes", prompt]
    for _ in range(3):
        _tick(service, clock)
    episodes = _episodes(memloci, "XTerm")
    rsync = [m for m in episodes if "rsync" in m.fields["summary"]]
    assert len(rsync) == 1 and "sent 4,812,113,904 bytes" in rsync[0].fields["details"]


def test_a_blinking_caret_is_no_reason_to_grab_but_typing_is() -> None:
    from app.capture.context import Rect
    from app.capture.x11 import damage_matters

    window = Rect(100, 100, 800, 600)
    caret = Rect(300, 200, 2, 18)
    hit, small = damage_matters(window, [caret], None)
    for _ in range(20):  # on, off, on: the same pixels
        assert not hit
        hit, small = damage_matters(window, [caret], small)
    assert not damage_matters(window, [], small)[0]
    typed = Rect(302, 200, 9, 18)  # a character typed where the caret was, the caret moves on
    hit, small = damage_matters(window, [typed, Rect(311, 200, 2, 18)], small)
    assert hit and small is None
    assert damage_matters(window, [Rect(0, 0, 50, 50)], None) == (False, None)  # outside
    assert damage_matters(window, [Rect(100, 100, 800, 300)], None)[0]  # a page
    other = Rect(0, 0, 90, 90)
    assert damage_matters(other, [], (window, caret)) == (False, None)  # another window


def test_a_frame_queued_while_an_older_one_of_its_window_is_being_read_is_read(memloci) -> None:
    """A newer full read replaces the window's older waiting frames; the reader may be reading
    one of them right then. The new frame must not take the id of the one in the reader's
    hands (SQLite reuses the largest rowid once deleted), or finishing the old read deletes it."""
    screen, clock = FakeScreen(), Clock()
    wid = screen.open("XTerm", "dev@laptop: ~/harbour", ["dev@laptop:~/harbour$ pytest -q"])
    service = fake_capture(memloci, screen, clock)
    ocr, inner = service.fake_ocr, service.fake_ocr.read
    output = [f"FAILED tests/test_billing.py::test_vat_rounding_{n}" for n in range(30)]

    def slow_read(gray, kind="page"):  # output appears and is queued while the first is read
        ocr.read = inner
        screen.windows[wid].lines += output
        for _ in range(3):
            service.tick()
            clock.advance(3)
        return inner(gray, kind)

    ocr.read = slow_read
    service.tick()
    service.drain_ocr()
    assert _stored(memloci, "test_vat_rounding_17")
