"""Where a terminal's subject changes: prompt lines with a command, read cleanly or garbled by
OCR the way the screen-day runs garbled them, and commands read again."""

from __future__ import annotations

from app.capture.context import WindowContext
from app.capture.subjects import Lineage, command_of, split_commands, split_read

PROMPT = "dev@laptop:~/harbour$"


def test_clean_prompts_of_common_shells() -> None:
    assert command_of(f"{PROMPT} pytest -q") == "pytest -q"
    assert command_of("[ops@db1 ~]# df -h") == "df -h"
    assert command_of("(venv) dev@laptop:~/harbour$ make test") == "make test"
    assert command_of(r"PS C:\Users\dev> dir") == "dir"
    assert command_of("dev@laptop:~/harbour§ git show --stat HEAD") == "git show --stat HEAD"
    assert command_of("Filesystem Size Used Avail Use% Mounted on") is None
    assert command_of("64 bytes from gw.harbour.lan (10.20.0.1): icmp_seq=1") is None


def test_garbled_prompts_are_known_by_their_likeness_to_one_read_cleanly() -> None:
    prompts: list[str] = []
    assert command_of("7harbour$ dt -h", prompts) is None  # nothing learned yet
    assert command_of(f"{PROMPT} git log --oneline -10", prompts) == "git log --oneline -10"
    assert prompts == [PROMPT]
    assert command_of("7harbour$ dt -h", prompts) == "dt -h"
    assert command_of("dev@laptop: harbours yess docs/berthing-policy.txt", prompts) == (
        "yess docs/berthing-policy.txt"
    )
    assert command_of("dev@laptop:~/harbour$", prompts) is None  # a prompt, nothing typed
    assert command_of("dev@laptop:~/harbour$ §f", prompts) is None  # the caret, read as text
    assert command_of("harbour/billing/invoice.py | 41", prompts) is None
    assert command_of("Initial import of the harbour scheduling service", prompts) is None


def test_output_after_a_garbled_prompt_starts_its_own_piece() -> None:
    lineage = Lineage(view="v")
    lines = [
        f"{PROMPT} git log --oneline -3",
        "e71b0d4 Add pilot booking endpoint",
        "7harbour$ dt -h",
        "/dev/sda2 98G 41G 52G 45% /",
    ]
    pieces = split_commands(lineage, lines)
    assert [command for command, _ in pieces] == [None, "git log --oneline -3", "dt -h"]
    assert pieces[2][1] == ["7harbour$ dt -h", "/dev/sda2 98G 41G 52G 45% /"]


def test_a_command_read_again_garbled_differently_is_not_a_new_subject() -> None:
    lineage = Lineage(view="v")
    split_commands(lineage, [f"{PROMPT} pytestff"])
    again = split_commands(lineage, [f"{PROMPT} pytest -q", "2 failed, 131 passed"])
    assert [command for command, _ in again] == [None]
    assert lineage.knows_command("git log") is False


def test_the_cursor_at_a_new_prompt_read_as_letters_starts_no_subject() -> None:
    """After a command's output the prompt comes back with a block cursor, which OCR reads as
    two letters ("fj", "Jj"): the terminal day split a session there and the next command
    ("git status") joined it. A short command ending the read waits for the next read."""
    lineage = Lineage(view="v")
    split_commands(lineage, [f"{PROMPT} make test", "Ran 412 tests in 38.117s"])
    pieces = split_commands(lineage, ["FAILED (failures=3, errors=1)", f"{PROMPT} fj"])
    assert [command for command, _ in pieces] == [None]
    later = split_commands(lineage, [f"{PROMPT} git status", "On branch feature/fx-rates"])
    assert [command for command, _ in later] == [None, "git status"]
    # a short command that ran (its output follows) is a subject of its own
    ran = split_commands(lineage, [f"{PROMPT} df", "Filesystem Size Used Avail Use% Mounted on"])
    assert [command for command, _ in ran] == [None, "df"]


PING = [
    f"{PROMPT} ping -c 3 gw.harbour.lan",
    "PING gw.harbour.lan (10.20.0.1) 56(84) bytes of data.",
    "64 bytes from gw.harbour.lan (10.20.0.1): icmp_seq=1 ttl=64 time=21.9 ms",
    "--- gw.harbour.lan ping statistics ---",
    "3 packets transmitted, 3 received, 0% packet loss, time 2003ms",
    "rtt min/avg/max/mdev = 21.9/23.4/25.8/1.6 ms",
    f"{PROMPT} ff",
]
POLICY = [
    "WEXMOOR HARBOUR TRUST",
    "BERTHING POLICY - revision 7",
    "This policy applies to every vessel that moors in Wexmoor harbour: at the",
    "town quay, the north quay and the visitor pontoons. Skippers agree to it",
    "when they book a berth or tie up, and the harbour master may refuse a",
    "berth to any vessel that does not follow it.",
    "Berths are allocated by the harbour office in the order requests arrive,",
    "with priority for commercial vessels, the ferry and the lifeboat.",
    "Large vessels use the north quay only. Allocation is confirmed by text",
    "message with the berth number and the mooring window.",
    "docs/berthing-policy.txt lines 1-24/80 30%",
]
XTERM = WindowContext(app="XTerm", title="dev@laptop: ~/harbour", wm_class=("xterm", "XTerm"))


def _split(lineage: Lineage, shown: list[str], read: list[str]) -> list[str | None]:
    fresh = lineage.new_lines(read)
    pieces = split_read(lineage, XTERM, lambda: "\n".join(shown), fresh, read=read)
    lineage.remember(fresh)
    return [subject for subject, _ in pieces]


def test_a_pager_opened_at_an_idle_prompt_is_a_new_subject_though_its_command_was_not_read() -> (
    None
):
    """devday: `less docs/berthing-policy.txt` was typed and the pager filled the screen
    before a read saw the command line, so the policy joined the ping session. A whole new
    text shown after the shell sat at its prompt is a new subject, headed by its first line."""
    lineage = Lineage(view="v")
    assert _split(lineage, [], PING) == [None, "ping -c 3 gw.harbour.lan"]
    subjects = _split(lineage, PING, POLICY)
    assert subjects == ["WEXMOOR HARBOUR TRUST"]
    # the window's bottom edge read as noise under the prompt (the terminal day's docker ps)
    again = Lineage(view="w")
    _split(again, [], [*PING, "n a Q an ao Q"])
    assert _split(again, PING, POLICY) == ["WEXMOOR HARBOUR TRUST"]


def test_a_long_output_still_running_is_not_split_by_its_words() -> None:
    """Output that keeps coming (no prompt yet at the end of the last read) stays with its
    command, however new its words are."""
    lineage = Lineage(view="v")
    assert _split(lineage, [], PING[:3]) == [None, "ping -c 3 gw.harbour.lan"]
    assert _split(lineage, PING[:3], POLICY[:-1]) == [None]


def test_the_cursor_at_a_prompt_is_held_back_under_noise_from_the_windows_edge_too() -> None:
    """The journal's read ended "dev@laptop:~/ledger$ ff" over the window's edge read as
    noise: "ff" was taken for a command and started a session of two lines."""
    lineage = Lineage(view="v")
    split_commands(lineage, [f"{PROMPT} journalctl -u ledger-sync", "Mar 11 08:18:38 sync"])
    pieces = split_commands(lineage, ["Mar 11 08:44:02 next run", f"{PROMPT} ff", "n a Q an ao Q"])
    assert [command for command, _ in pieces] == [None]


RUNBOOK = [
    "RUNBOOK: DATABASE FAILOVER (billing cluster)",
    "The primary database of the billing cluster is down or unreachable for",
    "more than 2 minutes and the replica is healthy. Do not fail over for a",
    "slow primary: page the DBA instead. Promote the replica with pg_ctl.",
    "docs/runbook.txt lines 1-4/80 5%",
]


def test_a_pager_quit_names_its_session_by_the_command_line_the_screen_shows_again() -> None:
    """`less FILE`, then `q`: the screen under the pager comes back with the command line and
    a prompt right under it. That command showed the pager's text: it names that session
    instead of starting one that holds only its own line (and the next command's)."""
    lineage = Lineage(view="v")
    _split(lineage, [], [*PING, PROMPT])
    assert _split(lineage, PING, RUNBOOK) == ["RUNBOOK: DATABASE FAILOVER (billing cluster)"]
    assert _split(lineage, RUNBOOK, [f"{PROMPT} less docs/runbook.txt", PROMPT]) == [None]
    assert lineage.named == "less docs/runbook.txt"
    lineage.named = None
    later = _split(lineage, RUNBOOK, [f"{PROMPT} uptime", "10:42:07 up 41 days", PROMPT])
    assert later == [None, "uptime"] and lineage.named is None


def test_a_command_after_a_long_output_at_an_idle_prompt_does_not_name_it() -> None:
    """A long output whose command scrolled off also starts a session headed by its first line,
    but the shell waited under it: a `cd` typed next is a command of its own."""
    lineage = Lineage(view="v")
    _split(lineage, [], [*PING, PROMPT])
    assert _split(lineage, PING, [*RUNBOOK[:-1], PROMPT])[0] is not None
    assert _split(lineage, RUNBOOK, [f"{PROMPT} cd /srv", PROMPT]) == [None, "cd /srv"]
    assert lineage.named is None
