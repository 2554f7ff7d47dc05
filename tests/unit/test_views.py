"""The desktop app's read models (app/views): paging, sorting, filters, graph, timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain import MemoryType, Source
from app.errors import InvalidInput
from app.views.browse import BrowseQuery
from app.views.graph import guess_category


def _day(n: int) -> datetime:
    return datetime(2024, 5, 1, 12, tzinfo=UTC) + timedelta(days=n)


def test_browse_pages_cover_everything_once_in_order(memloci) -> None:
    for n in range(25):
        memloci.add(f"event number {n}", fields={"occurred_at": _day(n).isoformat()})
    query = BrowseQuery(types=(MemoryType.EPISODIC,), sort="occurred_at", descending=False)
    seen = []
    for offset in range(0, 30, 10):
        seen.extend(memloci.browse(query, limit=10, offset=offset))
    assert [m.fields["summary"] for m in seen] == [f"event number {n}" for n in range(25)]
    assert memloci.browse_count(query) == 25


def test_browse_sorts_by_title_across_types_and_filters_by_source(memloci) -> None:
    memloci.add("zebra facts", type="semantic", fields={"name": "Zed"})
    memloci.add("apple facts", type="semantic", fields={"name": "Ann"})
    memloci.add("middle event", sources=[Source("chat", "m1")])
    titles = [m.title for m in memloci.browse(BrowseQuery(sort="title", descending=False))]
    assert titles == ["Ann", "middle event", "Zed"]
    chat_only = memloci.browse(BrowseQuery(source_kinds=("chat",)))
    assert [m.title for m in chat_only] == ["middle event"]
    assert memloci.source_kinds() == ["chat", "user"]
    assert [m.title for m in memloci.memories_from_source("chat", "m1")] == ["middle event"]


def test_browse_hides_invalidated_unless_asked_and_refuses_bad_input(memloci) -> None:
    gone = memloci.add("old fact", type="semantic", fields={"name": "Old"})
    memloci.invalidate(gone.id, "not true any more")
    assert memloci.browse_count(BrowseQuery()) == 0
    assert memloci.browse_count(BrowseQuery(include_invalid=True)) == 1
    with pytest.raises(InvalidInput, match="sort by"):
        memloci.browse(BrowseQuery(sort="secret"))
    with pytest.raises(InvalidInput, match="time range"):
        memloci.browse(BrowseQuery(since=_day(2), until=_day(1)))


def test_entity_graph_links_entities_mentioned_together(memloci) -> None:
    ana = memloci.add("my sister, lives in Porto", type="semantic", fields={"name": "Ana"})
    porto = memloci.add(
        "a city in the north of Portugal", type="semantic", fields={"name": "Porto"}
    )
    memloci.add("Marta is a colleague", type="semantic", fields={"name": "Marta"})
    lunch = memloci.add("Lunch with Ana at a cafe")
    graph = memloci.entity_graph()
    keys = {n.key: n for n in graph.nodes}
    assert set(keys) == {"ana", "porto", "marta"}
    assert keys["ana"].category == "person" and keys["porto"].category == "place"
    assert lunch.id in keys["ana"].mention_ids
    pairs = {(e.a, e.b): e for e in graph.edges}
    assert ("ana", "porto") in pairs  # Ana's own text names Porto
    assert ana.id in pairs[("ana", "porto")].memory_ids
    assert porto.id in keys["porto"].memory_ids
    assert not any("marta" in pair for pair in pairs)


def test_timeline_lays_out_events_by_lane(memloci) -> None:
    memloci.add(
        "chat about plans",
        fields={"occurred_at": _day(1).isoformat()},
        sources=[Source("chat", "c1")],
    )
    memloci.add("a note", fields={"occurred_at": _day(1).isoformat()})
    memloci.add("outside range", fields={"occurred_at": _day(9).isoformat()})
    view = memloci.timeline(_day(0), _day(3))
    assert sorted(view.lanes) == ["Chat", "Typed by you"]
    assert {i.label for i in view.items} == {"chat about plans", "a note"}
    with pytest.raises(InvalidInput):
        memloci.timeline(_day(3), _day(0))


def test_activity_counts_today_and_storage(memloci) -> None:
    memloci.add("today", type="semantic", fields={"name": "Today"})
    memloci.add("an event")
    report = memloci.activity(days=7)
    assert len(report.days) == 7
    assert report.added["semantic"][-1] == 1 and report.added["episodic"][-1] == 1
    assert report.storage["database"] > 0


def test_category_guess_defaults_to_concept() -> None:
    assert guess_category("x", "a colleague from work") == "person"
    assert guess_category("x", "the new release of our app") == "project"
    assert guess_category("x", "something abstract") == "concept"
