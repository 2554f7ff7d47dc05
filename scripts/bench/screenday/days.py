"""The scripted days. Each builds its windows on a `Desktop` and writes its steps into a
`Script`; `hold` is how long a step lasts, so a fact's showing is known from the script (and
measured when played). Glimpses (under 15 s) and longer reads are mixed on purpose.

    devday    9.5 min  the issue's day: pytest, git log, df, ping, `less` paged, a wiki page
                       with an infobox scrolled, a billing page, a long page scrolled in steps,
                       two tabs switched, notes typed in an editor, a static minute, revisits
    quick     2 min    a short cut of devday for quick comparisons
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from screenday.desk import Browser, Desktop, Editor, Terminal
from screenday.model import CONTENT, Script

PAGES = CONTENT / "pages"
DOCS = CONTENT / "docs"
OUT = CONTENT / "out"


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _project(desk: Desktop, name: str, docs: list[str]) -> Path:
    """A working directory for a terminal, with the documents it pages through."""
    folder = desk.root / "home" / name
    (folder / "docs").mkdir(parents=True, exist_ok=True)
    for doc in docs:
        shutil.copy(DOCS / doc, folder / "docs" / doc)
    return folder


HARBOUR_OUTPUT = {
    "pytest -q": ("pytest-harbour.txt", 2.5),
    "git log --oneline -10": ("git-log-harbour.txt", 0.2),
    "df -h": ("df-h.txt", 0.1),
    "ping -c 3 gw.harbour.lan": ("ping.txt", 2.0),
    "git show --stat HEAD": ("git-show-stat.txt", 0.2),
}


def _harbour_terminal(desk: Desktop, script: Script, commands: list[str]) -> Terminal:
    """dev@laptop in ~/harbour; `commands` (of HARBOUR_OUTPUT) print their scripted output."""
    docs = ["berthing-policy.txt"]
    term = Terminal(desk, "harbour", "dev@laptop", _project(desk, "harbour", docs))
    for command in commands:
        output, delay = HARBOUR_OUTPUT[command]
        term.output(command, _text(OUT / output), delay)
        script.files.append(OUT / output)
    script.window(term)
    return term


def _notes(desk: Desktop, script: Script) -> Editor:
    script.files.append(DOCS / "standup-notes.md")
    notes = Editor(
        desk,
        "notes",
        "mousepad",
        "standup-notes.md - Mousepad",
        _text(DOCS / "standup-notes.md"),
        geometry="1100x760+420+120",
    )
    script.window(notes)
    return notes


def _browser(desk: Desktop, script: Script, pages: list[str]) -> Browser:
    script.files.extend(PAGES / page for page in pages)
    return script.window(Browser(desk, PAGES / "start.html"))  # type: ignore[return-value]


def devday(desk: Desktop, script: Script) -> None:
    term = _harbour_terminal(desk, script, list(HARBOUR_OUTPUT))
    script.files.append(DOCS / "berthing-policy.txt")
    web = _browser(
        desk,
        script,
        ["kestrel-tower.html", "billing.html", "ferry-guide.html", "flight.html", "hotel.html"],
    )
    notes = _notes(desk, script)
    do = script.do
    do("harbour tests", term, term.run("pytest -q"), hold=32)
    do("harbour git history", term, term.run("git log --oneline -10"), hold=26)
    do("Kestrel Tower article", web, web.open(PAGES / "kestrel-tower.html"), hold=40)
    do("Kestrel Tower article", web, web.scroll(pages=1), hold=22, note="history section")
    do(
        "standup notes",
        notes,
        notes.type("\n- Standup moved to 09:40 in room B-214"),
        hold=30,
    )
    do("disk usage", term, term.run("df -h"), hold=22)
    do("invoice", web, web.open(PAGES / "billing.html", new_tab=True), hold=35)
    do("ping gateway", term, term.run("ping -c 3 gw.harbour.lan"), hold=9, note="a glimpse")
    do("Kestrel Tower article", web, web.tab(1), hold=12, note="revisit, a glimpse")
    do("berthing policy", term, term.less("docs/berthing-policy.txt"), hold=20)
    do("berthing policy", term, term.page(), hold=25)
    do("berthing policy", term, term.page(), hold=9, note="a glimpse of the last page")
    do("berthing policy", term, term.quit(), hold=3)
    do("ferry guide", web, web.open(PAGES / "ferry-guide.html", new_tab=True), hold=18)
    do("ferry guide", web, web.scroll(pages=1), hold=12, note="a glimpse")
    do("ferry guide", web, web.scroll(pages=1), hold=30)
    do("ferry guide", web, web.scroll(pages=1), hold=8, note="a glimpse")
    do("ferry guide", web, web.scroll(pages=1), hold=25)
    do("standup notes", notes, hold=75, note="reading, nothing moves", static=True)
    do("last commit", term, term.run("git show --stat HEAD"), hold=20, note="revisit")
    do("trip planning", web, web.open(PAGES / "flight.html", new_tab=True), hold=15)
    do("trip planning", web, web.open(PAGES / "hotel.html", new_tab=True), hold=15)
    do("trip planning", web, web.tab(4), hold=10, note="back to the flight")
    do("trip planning", web, web.tab(5), hold=20, note="back to the hotel")
    do("standup notes", notes, hold=20)


def quick(desk: Desktop, script: Script) -> None:
    term = _harbour_terminal(desk, script, ["pytest -q", "df -h"])
    web = _browser(desk, script, ["kestrel-tower.html"])
    notes = _notes(desk, script)
    do = script.do
    do("harbour tests", term, term.run("pytest -q"), hold=25)
    do("Kestrel Tower article", web, web.open(PAGES / "kestrel-tower.html"), hold=30)
    do("Kestrel Tower article", web, web.scroll(pages=1), hold=18, note="history section")
    do("disk usage", term, term.run("df -h"), hold=10, note="a glimpse")
    do(
        "standup notes",
        notes,
        notes.type("\n- Standup moved to 09:40 in room B-214"),
        hold=25,
    )
    do("standup notes", notes, hold=15, static=True)


DAYS: dict[str, Callable[[Desktop, Script], None]] = {"devday": devday, "quick": quick}
