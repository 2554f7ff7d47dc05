"""Where a terminal's subject changes: prompt lines with a command, read cleanly or garbled by
OCR the way the screen-day runs garbled them, and commands read again."""

from __future__ import annotations

from app.capture.subjects import Lineage, command_of, split_commands

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
