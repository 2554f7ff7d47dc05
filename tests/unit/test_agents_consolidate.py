"""Consolidation: duplicates merged with their sources, day summaries that keep provenance,
a forgetting curve that never touches what the person entered by hand."""

from __future__ import annotations

from datetime import timedelta

from app.domain import MemoryType, Source, to_iso, utcnow


def agent_fact(memloci, text: str, ref: str, importance: float = 0.5):
    return memloci.add(
        text,
        type="semantic",
        fields={"name": "Ana"},
        sources=[Source("chat", ref)],
        actor="agent:semantic",
        importance=importance,
    )


def test_duplicates_merge_into_one_that_keeps_every_source(memloci) -> None:
    first = agent_fact(memloci, "Ana lives in Porto with her two cats", "m1")
    second = agent_fact(memloci, "Ana lives in Porto with her two cats.", "m2")
    other = agent_fact(memloci, "Ana works at the library", "m3")
    report = memloci.agents.consolidate()
    assert report.merged == 1
    kept, gone = (
        (memloci.get(first.id), memloci.get(second.id))
        if memloci.get(first.id).active
        else (memloci.get(second.id), memloci.get(first.id))
    )
    assert kept.active and not gone.active and gone.invalid_reason == f"duplicate of {kept.id}"
    assert set(kept.sources) == {Source("chat", "m1"), Source("chat", "m2")}
    assert memloci.get(other.id).active


def test_what_the_person_entered_wins_and_is_never_invalidated(memloci) -> None:
    mine = memloci.add("Ana lives in Porto", type="semantic", fields={"name": "Ana"})
    again = memloci.add("Ana lives in Porto", type="semantic", fields={"name": "Ana"})
    copy = agent_fact(memloci, "Ana lives in Porto.", "m9")
    memloci.agents.consolidate()
    assert memloci.get(mine.id).active and memloci.get(again.id).active
    assert not memloci.get(copy.id).active
    keeper = memloci.get(memloci.get(copy.id).invalid_reason.split()[-1])
    assert keeper.origin == "user" and Source("chat", "m9") in keeper.sources


def screen_event(memloci, app: str, title: str, when, session: str, origin: str = "capture"):
    return memloci.add(
        f"Using {app}: {title}",
        type="episodic",
        fields={"actor": app, "event_type": "screen", "occurred_at": to_iso(when)},
        sources=[Source("screen", session)],
        actor=origin,
    )


def test_old_screen_activity_rolls_into_day_summaries_with_sources(memloci) -> None:
    old = utcnow().replace(hour=12, minute=0) - timedelta(days=20)
    events = [
        screen_event(memloci, "Firefox", "Docs", old, "s1"),
        screen_event(memloci, "Firefox", "Mail", old + timedelta(minutes=30), "s2"),
        screen_event(memloci, "Writer", "report.docx", old + timedelta(hours=1), "s3"),
    ]
    recent = screen_event(memloci, "Writer", "new.docx", utcnow(), "s4")
    mine = screen_event(memloci, "Notes", "typed by me", old, "s5", origin="user")
    report = memloci.agents.consolidate()
    assert (report.rolled_up, report.day_summaries) == (3, 1)
    (summary,) = [
        m for m in memloci.list("episodic", limit=50) if m.fields["event_type"] == "day_summary"
    ]
    assert set(summary.sources) == {Source("screen", s) for s in ("s1", "s2", "s3")}
    assert "Firefox (2)" in summary.text and "Writer (1)" in summary.text
    assert "report.docx" in summary.fields["details"]
    for event in events:
        rolled = memloci.get(event.id)
        assert (
            not rolled.active and rolled.invalid_reason == f"rolled into day summary {summary.id}"
        )
    assert memloci.get(recent.id).active and memloci.get(mine.id).active
    # Later events of the same day extend the summary instead of making another one.
    late = screen_event(memloci, "Terminal", "make", old + timedelta(hours=2), "s6")
    assert memloci.agents.consolidate().day_summaries == 0
    assert Source("screen", "s6") in memloci.get(summary.id).sources
    assert not memloci.get(late.id).active


def test_importance_fades_for_all_but_the_persons_own(memloci) -> None:
    mine = memloci.add("My sister is Ana", type="semantic", fields={"name": "Ana"})
    strong = agent_fact(memloci, "Ana plays the cello", "m1", importance=0.8)
    weak = agent_fact(memloci, "Ana once mentioned rain", "m2", importance=0.08)
    imported = memloci.add(
        "Ana: hi", type="episodic", sources=[Source("chat", "m3")], actor="import", importance=0.08
    )
    now = utcnow()
    assert memloci.agents.consolidate(now=now).decayed == 0  # the first run only sets the clock
    half_life = memloci.settings.agents.half_life_days
    report = memloci.agents.consolidate(now=now + timedelta(days=half_life))
    assert report.faded == 1
    assert memloci.get(mine.id).importance == 1.0
    assert abs(memloci.get(strong.id).importance - 0.4) < 1e-6
    assert not memloci.get(weak.id).active  # agent-made and faded: invalidated, restorable
    assert "faded" in memloci.get(weak.id).invalid_reason
    assert memloci.get(imported.id).active  # raw records fade in rank, never disappear
    assert memloci.get(imported.id).type is MemoryType.EPISODIC
