"""Where what a window shows changes subject, so each session (each episodic memory) is one
activity: in a terminal, every command typed at a shell prompt starts one; in any other window,
a large new text that shares almost no words with what the session showed (another document in
a viewer whose title names no document, an app that replaced its whole content in place), or
a pane replaced beside text that stayed (a mail app's next message: `panes`).

Terminals stay one window under one title all day (the title is the shell's prompt), so the
window does not say when the person moved on; the text does. A line read from a terminal that
looks like a prompt with a command after it ("dev@laptop:~/harbour$ git log", "[ops@db1 ~]#
df -h", "PS C:\\> dir") starts a new subject, unless the window showed that command before
(scrollback read again). Once a prompt was read cleanly, later prompt lines OCR garbled
("dev@laptop: harbours yess docs/policy.txt", "7harbour$ dt -h") are still known by their likeness
to it. What the window showed before is remembered per window (`Lineage`), across the sessions
it is split into, so output still on screen from an earlier command never lands in a later
command's session. A whole new text after the shell sat idle at its prompt (a pager, a long
output whose command line scrolled away unread) starts a session headed by its first line; when
a pager quits, the command line that comes back on screen names that session.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from app.capture.context import WindowContext

TERMINALS = frozenset(
    """xterm uxterm rxvt urxvt rxvt-unicode gnome-terminal gnome-terminal-server konsole
    alacritty kitty tilix wezterm wezterm-gui terminator xfce4-terminal mate-terminal
    lxterminal qterminal st st-256color foot footclient sakura terminology guake yakuake
    ptyxis kgx gnome-console cool-retro-term hyper tabby warp ghostty contour blackbox
    deepin-terminal eterm aterm mlterm xiterm roxterm termite""".split()
)

# user@host:dir$ cmd | user@host dir % cmd | [user@host dir]$ cmd | (venv) user@host:~$ cmd |
# PS C:\path> cmd. OCR reads "$" well; "#" and "%" and ">" end root, zsh and PowerShell prompts.
_PROMPT = re.compile(
    r"""^(?:\([^)]{1,40}\)\s*)?
    (?:
        (?P<prompt>\[?[\w.-]{1,32}@[\w.-]{1,64}(?:[:\s][^\s$#%>§]{0,120})?\]?\s?[$#%>§]
      | PS\s[A-Za-z]:\\[^>]{0,120}>)
    )
    \s+(?P<command>\S.{0,400})$""",
    re.X,
)
PAGE = "page"  # how a window is read: browsers, documents, anything in blocks and columns
TERMINAL = "terminal"  # a character grid: one line of the screen is one line of text
_KEY = re.compile(r"[^\w]+")
MIN_LINES = 2  # a session holding fewer lines than this is not split again (quick commands)
PROMPT_LIKENESS = 0.8  # a garbled prompt is this much like one read cleanly in the window
PROMPT_TAIL = 6  # or its first word ends with this many characters of one ("harbour$")
COMMAND_LIKENESS = 0.75  # a command read again, garbled differently ("pytest -q", "pytestff")
SHORT_COMMAND = 2  # alphanumerics of a command that ends a read and is held back (a cursor: "fj")
# Outside terminals: a new subject is at least this many new distinct words, of which at most
# this share the session showed before. Measured on the scripted days' frames
# (scripts/bench/ocr_frames.py): a page scrolled or paged, the next page of one document and a
# mail app's next message share 0.21-0.53 of their new words with what came before.
SUBJECT_WORDS = 40
SUBJECT_OVERLAP = 0.08
# A pane replaced beside text that stayed (`panes.replaced_pane`: a mail app's next message)
# is a new subject on less: a few content words, and not mostly the words shown before (the
# list beside it repeats a message's subject and sender; a pane re-laid-out repeats all).
PANE_WORDS = 8
PANE_OVERLAP = 0.5
_WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)
_WORDISH = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
# Words of four letters or more that any English text has: no clue to what it is about.
COMMON = frozenset(
    """about above after again also among because been before being below between both
    could does down during each either every from further have having here into just
    more most much must never only other otherwise over same should some such than that
    their them then there these they this those through under until upon very were what
    when where which while whom whose will with within without would your yours please
    dear hello thanks thank regards kind best""".split()
)


def is_terminal(context: WindowContext) -> bool:
    return any(
        name in TERMINALS or name.split(" ")[0] in TERMINALS or "terminal" in name
        for name in context.names()
    )


def layout_of(context: WindowContext) -> str:
    """How tesseract should read this window (`ocr.LAYOUTS`)."""
    return TERMINAL if is_terminal(context) else PAGE


def command_of(line: str, prompts: list[str] | None = None) -> str | None:
    """The command on a shell prompt line, or None. `prompts`: prompts this window showed
    (read cleanly), to know a prompt line OCR garbled; a clean one is added to them."""
    line = line.strip()
    match = _PROMPT.match(line)
    if match is not None:
        command = match.group("command").strip()
        prompt = match.group("prompt")
        if prompts is not None and prompt and prompt not in prompts:
            prompts.append(prompt)
            del prompts[:-8]
    else:
        command = next((c for p in prompts or () if (c := _after_prompt(line, p))), "")
    # A caret or a half-drawn key read as a character ("§f") is no command.
    return command if sum(c.isalnum() for c in command) >= 2 else None


def at_prompt(lines: list[str], prompts: list[str]) -> bool:
    """Whether the last line holds a prompt with nothing typed after it (or only the cursor,
    read as a letter or two): the shell is waiting, no command is running. Lines below it
    with no word of three letters are noise (a window's edge read as "n a Q an ao Q")."""
    last = next((line.strip() for line in reversed(lines) if _WORDISH.search(line)), "")
    if not last:
        return False
    for prompt in prompts:
        if last == prompt or (last.startswith(prompt) and _short(last[len(prompt) :])):
            return True
    match = _PROMPT.match(last)
    return match is not None and _short(match.group("command"))


def _after_prompt(line: str, prompt: str) -> str:
    """What follows `prompt` on a line whose start is much like it, or ""."""
    first, _, rest = line.partition(" ")
    tail = prompt[-PROMPT_TAIL:]
    if len(first) <= len(prompt) + 2 and first.endswith(tail):
        return rest.strip()
    best, command = 0.0, ""
    for end in range(max(1, len(prompt) - 4), min(len(line), len(prompt) + 4)):
        if line[end] != " ":
            continue
        likeness = difflib.SequenceMatcher(None, line[:end], prompt).ratio()
        if likeness >= PROMPT_LIKENESS and likeness > best:
            best, command = likeness, line[end:].strip()
    return command


def _key(text: str) -> str:
    return _KEY.sub("", text.lower())


@dataclass
class Lineage:
    """What one window showed, across the sessions it was split into: the pixel memory's id
    (`view`), commands seen at its prompts, and the lines already stored."""

    view: str
    commands: list[str] = field(default_factory=list)
    lines: set[str] = field(default_factory=set)
    prompts: list[str] = field(default_factory=list)  # prompts read cleanly in this window
    idle: bool = False  # the last read ended at a prompt: the shell waits for a command
    # The window's current session was started by a new text shown at an idle prompt (a
    # pager whose command line was not read), and no command has named it yet.
    untitled: bool = False
    named: str | None = None  # a command read late that showed that text: the session's name

    def knows_command(self, command: str) -> bool:
        """Shown before, or the latest command read again further typed ("git log --on",
        then "git log --oneline")."""
        key = _key(command)
        if self.commands and (
            key.startswith(self.commands[-1]) or self.commands[-1].startswith(key)
        ):
            if len(key) > len(self.commands[-1]):
                self.commands[-1] = key
            return True
        for seen in self.commands:
            if seen == key or (
                min(len(seen), len(key)) >= 5
                and difflib.SequenceMatcher(None, seen, key).ratio() >= COMMAND_LIKENESS
            ):
                return True
        return False

    def new_lines(self, lines: list[str]) -> list[str]:
        """Lines this window has not shown before (scrollback read again is dropped)."""
        return [line for line in lines if _key(line) not in self.lines]

    def remember(self, lines: list[str]) -> None:
        self.lines.update(_key(line) for line in lines)
        if len(self.lines) > 20_000:  # a very long day in one window: keep memory bounded
            self.lines = {_key(line) for line in lines}


def words_of(text: str) -> set[str]:
    """Distinct words of four letters or more: what a text is about, cheaply."""
    return set(_WORD.findall(text.lower()))


def new_content(
    shown: str, fresh: list[str], *, pane: bool = False, read: list[str] | None = None
) -> str | None:
    """A heading for `fresh` lines (new to the window) when they are a new subject after the
    session's text `shown`: many new words, almost none of them shown before; or, when their
    frame replaced a pane beside text that stayed (`pane`), a few content words, not mostly
    shown before. Else None. A pane's heading is its first line (`read`: all the read's lines),
    even one the window showed before: the list beside a message names its subject too."""
    seen, new = words_of(shown), words_of("\n".join(fresh))
    if pane:
        new -= COMMON
        if not seen or len(new) < PANE_WORDS or len(new & seen) > PANE_OVERLAP * len(new):
            return None
    elif (
        len(seen) < SUBJECT_WORDS
        or len(new) < SUBJECT_WORDS
        or len(new & seen) > SUBJECT_OVERLAP * len(new)
    ):
        return None
    lines = (read or fresh) if pane else fresh
    heading = next((line for line in lines if len(words_of(line)) >= 2), fresh[0])
    return " ".join(heading.split())[:120]


def split_read(
    lineage: Lineage,
    context: WindowContext,
    shown: Callable[[], str],
    fresh: list[str],
    *,
    pane: bool = False,
    read: list[str] | None = None,
) -> list[tuple[str | None, list[str]]]:
    """A read's new lines in pieces by subject (see `split_commands`): in a terminal at each
    new command, elsewhere as a whole when they are a new text (`new_content`; `shown` gives
    the session's text so far; `pane`: the read's frame replaced a pane; `read`: all its
    lines)."""
    if is_terminal(context):
        was_idle = lineage.idle
        pieces = split_commands(lineage, fresh)
        lineage.idle = at_prompt(read or fresh, lineage.prompts)
        if len(pieces) == 1 and was_idle and fresh:
            # No command read, yet a whole new text after the shell sat at its prompt: a
            # pager or editor opened before a read saw its command line (`less notes.txt`).
            # The idle shell says as much as a replaced pane does: judged on a pane's terms.
            heading = new_content(shown(), fresh, pane=True, read=fresh)
            if heading is not None:
                pieces = [(heading, fresh)]
                lineage.untitled = True
        elif len(pieces) > 1:
            if lineage.untitled and not was_idle and _left_nothing(lineage, pieces, 1):
                # The pager quit and the screen it hid came back with its command line, and
                # a prompt right under it: that command showed the text, it is no new one.
                command, lines = pieces[1]
                lineage.named = command
                pieces = [(None, pieces[0][1] + lines), *pieces[2:]]
            lineage.untitled = False
        return pieces
    heading = new_content(shown(), fresh, pane=pane, read=read) if fresh else None
    if heading is None and pane and read:
        # A pane showing a text the window showed before (a message opened again): its
        # lines are not new, but it is not what the session in front shows.
        heading = new_content(shown(), read, pane=True, read=read)
        if heading is not None:
            return [(heading, read)]
    return [(None, fresh)] if heading is None else [(heading, fresh)]


def split_commands(lineage: Lineage, lines: list[str]) -> list[tuple[str | None, list[str]]]:
    """The read's lines in pieces: the first continues the current subject (command None),
    each further one starts at a prompt line with a command the window did not show before.
    A command of a letter or two on the read's last line is held back: the cursor at a new
    prompt reads as two letters ("fj"), and a command still being typed has shown nothing yet;
    the next read starts its piece once it shows output or more of the command."""
    pieces: list[tuple[str | None, list[str]]] = [(None, [])]
    # the last line with a word: lines under it are noise (the window's edge)
    last = max((i for i, line in enumerate(lines) if _WORDISH.search(line)), default=-1)
    for index, line in enumerate(lines):
        command = command_of(line, lineage.prompts)
        if command is not None and index == last and _short(command):
            command = None
        if command is not None and not lineage.knows_command(command):
            lineage.commands.append(_key(command))
            pieces.append((command, [line]))
        else:
            pieces[-1][1].append(line)
    return pieces


def _left_nothing(lineage: Lineage, pieces: list[tuple[str | None, list[str]]], index: int) -> bool:
    """Whether the command of `pieces[index]` shows nothing under its line but a prompt: the
    next command's, or the read's idle last one (a full-screen program quit, or `cd`)."""
    rest = pieces[index][1][1:]
    if any(_WORDISH.search(line) and not at_prompt([line], lineage.prompts) for line in rest):
        return False
    return index + 1 < len(pieces) or lineage.idle


def _short(command: str) -> bool:
    return sum(c.isalnum() for c in command) <= SHORT_COMMAND
