"""Where what a window shows changes subject, so each session (each episodic memory) is one
activity: in a terminal, every command typed at a shell prompt starts one.

Terminals stay one window under one title all day (the title is the shell's prompt), so the
window does not say when the person moved on; the text does. A line read from a terminal that
looks like a prompt with a command after it ("dev@laptop:~/harbour$ git log", "[ops@db1 ~]#
df -h", "PS C:\\> dir") starts a new subject, unless the window showed that command before
(scrollback read again). What the window showed before is remembered per window (`Lineage`),
across the sessions it is split into, so output still on screen from an earlier command never
lands in a later command's session.
"""

from __future__ import annotations

import difflib
import re
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
        \[?[\w.-]{1,32}@[\w.-]{1,64}(?:[:\s][^\s$#%>]{0,120})?\]?\s?[$#%>]
      | PS\s[A-Za-z]:\\[^>]{0,120}>
    )
    \s+(?P<command>\S.{0,400})$""",
    re.X,
)
_KEY = re.compile(r"[^\w]+")
MIN_LINES = 2  # a session holding fewer lines than this is not split again (quick commands)


def is_terminal(context: WindowContext) -> bool:
    return any(
        name in TERMINALS or name.split(" ")[0] in TERMINALS or "terminal" in name
        for name in context.names()
    )


def command_of(line: str) -> str | None:
    """The command on a shell prompt line, or None."""
    match = _PROMPT.match(line.strip())
    if match is None:
        return None
    command = match.group("command").strip()
    return command if len(command) >= 2 else None


def _key(text: str) -> str:
    return _KEY.sub("", text.lower())


@dataclass
class Lineage:
    """What one window showed, across the sessions it was split into: the pixel memory's id
    (`view`), commands seen at its prompts, and the lines already stored."""

    view: str
    commands: list[str] = field(default_factory=list)
    lines: set[str] = field(default_factory=set)

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
                min(len(seen), len(key)) >= 6
                and difflib.SequenceMatcher(None, seen, key).ratio() >= 0.85
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


def split_commands(lineage: Lineage, lines: list[str]) -> list[tuple[str | None, list[str]]]:
    """The read's lines in pieces: the first continues the current subject (command None),
    each further one starts at a prompt line with a command the window did not show before."""
    pieces: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in lines:
        command = command_of(line)
        if command is not None and not lineage.knows_command(command):
            lineage.commands.append(_key(command))
            pieces.append((command, [line]))
        else:
            pieces[-1][1].append(line)
    return pieces
