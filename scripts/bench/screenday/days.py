"""The scripted days. Each builds its windows on a `Desktop` and writes its steps into a
`Script`; `hold` is how long a step lasts, so a fact's showing is known from the script (and
measured when played). Glimpses (under 15 s) and longer reads are mixed on purpose.

    devday    9.5 min  the issue's day: pytest, git log, df, ping, `less` paged, a wiki page
                       with an infobox scrolled, a billing page, a long page scrolled in steps,
                       two tabs switched, notes typed in an editor, a static minute, revisits
    terminal  6.2 min  two xterms (a dark ops shell on a bastion, a dev shell): kubectl, logs,
                       free, systemctl, a long rsync typed slowly, `less` on a runbook, make
                       test, git status, docker ps, a 60-line journal, a static minute
    research  7 min    Chromium and a document viewer: a lake article with an infobox, a
                       tenancy agreement paged, a long guide scrolled in steps, two listings
                       in tabs switched back and forth, a web mail app showing three
                       messages under one title, an electricity bill, a static minute
    quick     2 min    a short cut of devday for quick comparisons
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from screenday.browser import Browser
from screenday.desk import Desktop, Editor, Terminal
from screenday.model import CONTENT, Script

PAGES = CONTENT / "pages"
DOCS = CONTENT / "docs"
OUT = CONTENT / "out"


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _project(desk: Desktop, name: str, docs: tuple[str, ...] | list[str]) -> Path:
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


def _terminal(
    desk: Desktop,
    script: Script,
    name: str,
    user_host: str,
    outputs: dict[str, tuple[str, float]],
    docs: tuple[str, ...] | list[str] = (),
    **options: Any,
) -> Terminal:
    """An xterm in ~/NAME whose `outputs` commands (command -> output file, seconds it takes)
    print their scripted output, with `docs` to page through in ~/NAME/docs."""
    term = Terminal(desk, name, user_host, _project(desk, name, docs), **options)
    for command, (output, delay) in outputs.items():
        term.output(command, _text(OUT / output), delay)
        script.files.append(OUT / output)
    script.files.extend(DOCS / doc for doc in docs)
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
    return script.window(Browser(desk, PAGES / "start.html"))


def devday(desk: Desktop, script: Script) -> None:
    docs = ["berthing-policy.txt"]
    term = _terminal(desk, script, "harbour", "dev@laptop", HARBOUR_OUTPUT, docs=docs)
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
    do("ferry guide", web, web.open(PAGES / "ferry-guide.html", new_tab=True), hold=10)
    do("ferry guide", web, web.scroll(pages=1), hold=20, note="timetable")
    do("ferry guide", web, web.scroll(pages=1), hold=10, note="fares, a glimpse")
    do("ferry guide", web, web.scroll(pages=1), hold=28, note="the vessel")
    do("ferry guide", web, web.scroll(pages=1), hold=7, note="on board, a glimpse")
    do("ferry guide", web, web.scroll(pages=1), hold=22, note="pets and season tickets")
    do("standup notes", notes, hold=71, note="reading, nothing moves", static=True)
    do("last commit", term, term.run("git show --stat HEAD"), hold=20, note="revisit")
    do("trip planning", web, web.open(PAGES / "flight.html", new_tab=True), hold=15)
    do("trip planning", web, web.open(PAGES / "hotel.html", new_tab=True), hold=15)
    do("trip planning", web, web.tab(4), hold=10, note="back to the flight")
    do("trip planning", web, web.tab(5), hold=20, note="back to the hotel")
    do("standup notes", notes, hold=20)


def quick(desk: Desktop, script: Script) -> None:
    commands = {c: HARBOUR_OUTPUT[c] for c in ("pytest -q", "df -h")}
    term = _terminal(desk, script, "harbour", "dev@laptop", commands)
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


OPS_OUTPUT = {
    "kubectl get pods -n billing": ("kubectl-pods.txt", 1.2),
    "kubectl logs billing-api-7d9f6c5b8-x2k4q -n billing --tail=20": ("kubectl-logs.txt", 0.8),
    "free -h": ("free-h.txt", 0.1),
    "systemctl status nginx": ("systemctl-nginx.txt", 0.3),
    "rsync -avz --bwlimit=4000 ./exports/ backup@vault-07.internal:/srv/archive/2025-q1/": (
        "rsync.txt",
        3.0,
    ),
    "uptime": ("uptime.txt", 0.1),
}
LEDGER_OUTPUT = {
    "make test": ("make-test.txt", 3.0),
    "git status": ("git-status.txt", 0.1),
    "docker ps --format 'table {{.Names}}\\t{{.Image}}\\t{{.Status}}\\t{{.Ports}}'": (
        "docker-ps.txt",
        0.3,
    ),
    "journalctl -u ledger-sync -n 60 --no-pager": ("journalctl-ledger.txt", 0.5),
}


def terminal(desk: Desktop, script: Script) -> None:
    ops = _terminal(
        desk,
        script,
        "infra",
        "ops@bastion-2",
        OPS_OUTPUT,
        docs=["runbook-db-failover.txt"],
        dark=True,
        position=(160, 110),
    )
    dev = _terminal(desk, script, "ledger", "dev@laptop", LEDGER_OUTPUT, position=(40, 40))
    do = script.do
    ops_commands, dev_commands = list(OPS_OUTPUT), list(LEDGER_OUTPUT)
    do("billing pods", ops, ops.run(ops_commands[0]), hold=25)
    do("billing pods", ops, ops.run(ops_commands[1], delay_ms=25), hold=22)
    do("ledger tests", dev, dev.run(dev_commands[0]), hold=30)
    do("ledger branch", dev, dev.run(dev_commands[1]), hold=16)
    do("bastion memory", ops, ops.run(ops_commands[2]), hold=8, note="a glimpse")
    do("nginx status", ops, ops.run(ops_commands[3]), hold=20)
    do("ledger containers", dev, dev.run(dev_commands[2], delay_ms=25), hold=18)
    do("backup", ops, ops.type_slowly(ops_commands[4], delay_ms=150), hold=18)
    do("backup", ops, ops.enter(), hold=20)
    do("failover runbook", ops, ops.less("docs/runbook-db-failover.txt"), hold=30)
    do("failover runbook", ops, ops.page(), hold=6, note="a glimpse")
    do("failover runbook", ops, ops.page(), hold=20)
    do("failover runbook", ops, ops.quit(), hold=4)
    do("ledger sync log", dev, dev.run(dev_commands[3]), hold=25)
    do("ledger sync log", dev, hold=75, note="reading, nothing moves", static=True)
    do("bastion uptime", ops, ops.run(ops_commands[5]), hold=20, note="revisit")
    do("ledger sync log", dev, hold=10)


def research(desk: Desktop, script: Script) -> None:
    pages = [
        "lake-orrin.html",
        "rail-trail.html",
        "cedar-hut.html",
        "tern-lodge.html",
        "webmail.html",
        "electricity-bill.html",
    ]
    web = _browser(desk, script, pages)
    lease = [_text(DOCS / f"tenancy-p{n}.txt") for n in (1, 2, 3)]
    script.files.extend(DOCS / f"tenancy-p{n}.txt" for n in (1, 2, 3))
    viewer = Editor(
        desk,
        "viewer",
        "evince",
        "tenancy-agreement.pdf — Document Viewer",
        lease[0],
        geometry="1250x900+330+90",
        size=14,
        caret="steady",
    )
    script.window(viewer)
    do = script.do
    do("Lake Orrin article", web, web.open(PAGES / "lake-orrin.html"), hold=35)
    do("Lake Orrin article", web, web.scroll(pages=1), hold=20)
    do("tenancy agreement", viewer, hold=40)
    do("tenancy agreement", viewer, viewer.show(lease[1]), hold=25)
    do("tenancy agreement", viewer, viewer.show(lease[2]), hold=7, note="a glimpse")
    do("rail trail guide", web, web.open(PAGES / "rail-trail.html", new_tab=True), hold=15)
    do("rail trail guide", web, web.scroll(pages=1), hold=20)
    do("rail trail guide", web, web.scroll(pages=1), hold=6, note="a glimpse")
    do("rail trail guide", web, web.scroll(pages=1), hold=25)
    do("rail trail guide", web, web.scroll(pages=1), hold=9, note="a glimpse")
    do("rail trail guide", web, web.scroll(pages=1), hold=18)
    do("cabin comparison", web, web.open(PAGES / "cedar-hut.html", new_tab=True), hold=14)
    do("cabin comparison", web, web.open(PAGES / "tern-lodge.html", new_tab=True), hold=12)
    do("cabin comparison", web, web.tab(3), hold=8, note="back to Cedar Hut")
    do("cabin comparison", web, web.tab(4), hold=16, note="back to Tern Lodge")
    do("mail: sailing course", web, web.open(PAGES / "webmail.html", new_tab=True), hold=20)
    do("mail: dentist", web, web.press("j"), hold=18, note="same title, another message")
    do("mail: parcel", web, web.press("j"), hold=9, note="a glimpse")
    do("electricity bill", web, web.open(PAGES / "electricity-bill.html", new_tab=True), hold=30)
    do("Lake Orrin article", web, web.tab(1), hold=12, note="revisit")
    do("tenancy agreement", viewer, hold=60, note="reading, nothing moves", static=True)


DAYS: dict[str, Callable[[Desktop, Script], None]] = {
    "research": research,
    "devday": devday,
    "quick": quick,
    "terminal": terminal,
}
