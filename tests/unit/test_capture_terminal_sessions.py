"""A terminal's sessions as live capture splits them: reads of only the changed bands (a prompt
seen before is no new content), through the real pipeline, store and session manager. The
terminal day stored the runbook a pager showed in the rsync session before it, then a memory
holding only `less docs/runbook-db-failover.txt` that `uptime` joined, and the journal's
60 lines in the `docker ps` session: the read before each ended on the output's last line,
never on the prompt under it, so nothing said the shell had sat idle."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from tests.unit.capture_fakes import Clock, FakeScreen, fake_capture

P = "ops@bastion-2:~/infra$"
RSYNC = [
    f"{P} rsync -avz --bwlimit=4000 ./exports/ backup@vault-07.internal:/srv/archive/",
    "sending incremental file list",
    "ledger-2025-01.csv.gz",
    "sent 1,482,113 bytes received 2,417 bytes 98,968.67 bytes/sec",
    "total size is 48,221,904 speedup is 32.48",
]
RUNBOOK = [
    "RUNBOOK: DATABASE FAILOVER (billing cluster)",
    "Owner: platform team Last reviewed: 2025-02-20",
    "The primary database of the billing cluster is down or unreachable for",
    "more than 2 minutes and the replica is healthy. Do not fail over for a",
    "slow primary: page the DBA instead.",
    "RTO: 15 minutes from the first alert to writes accepted again.",
    "Log in to db-replica-1 and run:",
    "sudo -u postgres pg_ctl promote -D /var/lib/postgresql/16/main",
    "Wait for server promoted in the log before going on.",
    "docs/runbook-db-failover.txt lines 1-9/80 11%",
]
LESS = f"{P} less docs/runbook-db-failover.txt"
UPTIME = [f"{P} uptime", "10:42:07 up 41 days, 3:12, 2 users, load average: 0.42, 0.51, 0.48"]


class TermScreen(FakeScreen):
    """The fake screen with lines drawn like text: as wide as the text, glyph strokes on the
    background (a line of `FakeScreen` fills the window's width, as no text does)."""

    def draw_line(self, band: np.ndarray, text: str, rng: np.random.Generator) -> None:
        width = min(band.shape[1], 7 * len(text))
        band[:, :width] = np.where(
            rng.random((band.shape[0], width)) < 0.4, rng.integers(0, 120), 255
        )


def _terminal(memloci, first: list[str]):  # type: ignore[no-untyped-def]
    screen, clock = TermScreen(), Clock()
    wid = screen.open("XTerm", "ops@bastion-2: ~/infra", first)
    service = fake_capture(memloci, screen, clock)
    return clock, service, screen.windows[wid]


def _show(service, clock, window, lines: list[str]) -> None:  # type: ignore[no-untyped-def]
    window.lines = list(lines)
    for _ in range(5):  # changed, settled, read
        service.tick()
        service.drain_ocr()
        clock.advance(3)


def _episodes(memloci) -> list:  # type: ignore[no-untyped-def]
    service = memloci._parts.capture
    service._monotonic.advance(11)
    service.flush_records()
    found = [m for m in memloci.list("episodic", limit=100) if m.fields["actor"] == "XTerm"]
    return sorted(found, key=lambda m: m.fields["occurred_at"])


def test_a_pager_opened_after_a_command_finished_is_its_own_session_named_by_its_command(
    memloci,
) -> None:  # type: ignore[no-untyped-def]
    clock, service, window = _terminal(memloci, [P])
    _show(service, clock, window, [P])
    _show(service, clock, window, [P, *RSYNC, P])  # read in bands: the prompt under is not new
    _show(service, clock, window, RUNBOOK)  # `less` filled the screen before a read saw it
    _show(service, clock, window, [P, *RSYNC, LESS, P])  # `q`: the screen comes back
    _show(service, clock, window, [P, *RSYNC, LESS, *UPTIME, P])
    rsync, runbook, uptime = _episodes(memloci)[-3:]
    assert "total size is 48,221,904" in rsync.fields["details"]
    assert "RUNBOOK" not in rsync.fields["details"]
    # the pager's text, named by the command that showed it once the screen came back
    assert "RTO: 15 minutes" in runbook.fields["details"]
    assert "Command: less docs/runbook-db-failover.txt" in runbook.fields["details"]
    assert runbook.fields["summary"].endswith(": less docs/runbook-db-failover.txt")
    # the next command is its own session, not joined to a memory of a lone `less` line
    assert uptime.fields["summary"].endswith(": uptime")
    assert "41 days" in uptime.fields["details"] and "RUNBOOK" not in uptime.fields["details"]


def test_a_long_output_whose_command_scrolled_off_after_an_idle_prompt_is_its_own_session(
    memloci,
) -> None:  # type: ignore[no-untyped-def]
    dev = "dev@laptop:~/ledger$"
    docker = [
        f"{dev} docker ps --format 'table {{{{.Names}}}}'",
        "NAMES IMAGE STATUS PORTS",
        "ledger-db postgres:16.2 Up 2 hours (healthy) 0.0.0.0:55432->5432/tcp",
        "ledger-cache redis:7.2.4-alpine Up 2 hours 0.0.0.0:56379->6379/tcp",
    ]
    sources = ["Bank Aurum", "Kestrel Savings", "Fjord Credit", "Bank Nordhavn"]
    journal = [
        f"Mar 11 08:{n:02d}:10 ledger-01 ledger-sync[2231]: fetched page {n} of statements "
        f"from {sources[n % 4]} ({100 + 7 * n} rows)"
        for n in range(40)
    ]
    journal[-1] = "Mar 11 08:44:01 ledger-01 ledger-sync[2231]: Synced 18,204 transactions"
    clock, service, window = _terminal(memloci, [dev])
    _show(service, clock, window, [dev])
    _show(service, clock, window, [dev, *docker, dev])
    _show(service, clock, window, [*journal[-35:], dev])  # `journalctl ...` scrolled off
    docker_ps, sync_log = _episodes(memloci)[-2:]
    assert "55432->5432" in docker_ps.fields["details"]
    assert "Synced 18,204" not in docker_ps.fields["details"]
    assert "Synced 18,204 transactions" in sync_log.fields["details"]
    assert "55432" not in sync_log.fields["details"]
    # headed by its first line, which is no command
    assert f"Showing: {journal[-35]}" in sync_log.fields["details"]
    assert "Command:" not in sync_log.fields["details"]


def test_output_still_coming_when_read_stays_with_its_command(memloci) -> None:  # type: ignore[no-untyped-def]
    dev = "dev@laptop:~/ledger$"
    tests = [f"test_case_{n} ({'ok' if n % 7 else 'FAIL'}) checks rule {n}" for n in range(60)]
    clock, service, window = _terminal(memloci, [dev])
    _show(service, clock, window, [dev])
    _show(service, clock, window, [dev, f"{dev} make test", *tests[:10]])  # still running
    _show(service, clock, window, tests[15:50])  # the command scrolled off, still running
    _show(service, clock, window, [*tests[25:60], "Ran 60 tests", dev])
    (make,) = [m for m in _episodes(memloci) if "make test" in m.fields["summary"]]
    assert "test_case_3 " in make.fields["details"] and "Ran 60 tests" in make.fields["details"]


def test_a_command_typed_after_coming_back_to_a_window_starts_its_session_when_typed(
    memloci,
) -> None:  # type: ignore[no-untyped-def]
    """Coming back to a terminal that shows what was read before is no change: the session of
    the command typed a while later starts then, not when the window came back (the terminal
    day's rsync session began at the return, over the step before it)."""
    clock, service, window = _terminal(memloci, [P])
    screen = service.fake_grabber.screen
    _show(service, clock, window, [P, *RSYNC, P])
    other = screen.open("Evince", "Document Viewer", ["A page of another document"])
    _show(service, clock, screen.windows[other], ["A page of another document"])
    service.upkeep()  # the terminal's pixels are let go while it is not in front
    screen.front = window.context.window_id
    service.tick()  # back: the same screen
    clock.advance(2)
    typed = clock.wall()
    for end in range(1, 7):  # typed at once, a key a second: no read is due before its output
        window.lines = [P, *RSYNC, f"{P} {'uptime'[:end]}"]
        service.tick()
        service.drain_ocr()
        clock.advance(1)
    _show(service, clock, window, [P, *RSYNC, *UPTIME, P])
    uptime = _episodes(memloci)[-1]
    assert uptime.fields["summary"].endswith(": uptime")
    started = datetime.fromisoformat(uptime.fields["occurred_at"])
    assert abs((started - typed).total_seconds()) < 1
