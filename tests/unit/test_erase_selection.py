"""Erase by selection (issue 20): what a span, an app, a title or address, words or a
conversation select, and what an erase then removes, counted by type and by source."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.domain import MemoryType, Source
from app.erase.selection import Selection, parse_duration, select
from app.errors import InvalidInput
from tests.unit.erase_helpers import ago, derived, ids, import_chat, session


def chosen(memloci: Any, selection: Selection) -> set[str]:
    return set(select(memloci._parts.database.conn(), selection))


@pytest.fixture
def day(memloci: Any, tmp_path: Path) -> dict[str, Any]:
    """An afternoon: three screen sessions, an imported chat, what the person typed, what the
    agents made, and the core block."""
    s = {}
    s["early"] = session(
        memloci, "early", app="Writer", start=ago(60), minutes=20, title="report.odt"
    )
    s["overlap"] = session(
        memloci,
        "overlap",
        app="Firefox",
        start=ago(25),
        minutes=15,
        title="Quokkabank accounts — Mozilla Firefox",
        url="https://quokkabank.example/accounts",
        text="balance overview",
        wm_class="Navigator firefox",
    )
    s["recent"] = session(
        memloci, "recent", app="Terminal", start=ago(4), minutes=3, title="ssh prod"
    )
    s["old_firefox"] = session(
        memloci,
        "old_firefox",
        app="Firefox",
        start=ago(3 * 24 * 60),
        title="Recipes — Mozilla Firefox",
        url="https://food.example/soup",
        wm_class="Navigator firefox",
    )
    chat = import_chat(
        memloci,
        tmp_path,
        "conv-ana",
        [("Ana", "Lunch on Friday at the harbour?", ago(10)), ("me", "Yes, noon", ago(9))],
    )
    s["chat"] = chat
    s["old_chat"] = import_chat(
        memloci, tmp_path, "conv-old", [("Bo", "the harbour was lovely", ago(400 * 24 * 60))]
    )
    s["typed"] = memloci.add("Call the dentist about the crown", type="episodic")
    s["fact_overlap"] = derived(memloci, "Has an account at Quokkabank", made_from=[s["overlap"]])
    s["fact_old_chat"] = derived(memloci, "Bo liked the harbour", made_from=s["old_chat"])
    s["core"] = memloci.add("Likes harbours", type="core", fields={"label": "human"})
    return s


def test_the_last_15_minutes_selects_what_was_recorded_then(memloci: Any, day: dict) -> None:
    got = chosen(memloci, Selection.last("15m"))
    expected = {day["overlap"].id, day["recent"].id, day["typed"].id} | ids(day["chat"])
    # The agents' fact made just now from a message of last year, the core block and the
    # session that ended 40 minutes ago are not "the last 15 minutes".
    assert got == expected
    plan = memloci.data.erase_preview(Selection.last("15m"))
    # The fact made only from the overlapping session goes with it, through the cascade.
    assert day["fact_overlap"].id in {i.id for i in plan.forget.derived}
    assert day["fact_old_chat"].id not in plan.ids
    assert plan.by_type() == {"episodic": 5, "semantic": 1}
    assert dict(plan.by_source) == {
        "chat import · conv-ana": 2,
        "screen · Firefox": 1,
        "screen · Terminal": 1,
        "entered by you": 1,
        "made by the memory agents": 1,
    }
    assert set(plan.apps) == {"Firefox", "Terminal"}
    assert memloci.get(day["overlap"].id)  # a preview changes nothing


def test_since_and_until_bound_the_span(memloci: Any, day: dict) -> None:
    got = chosen(memloci, Selection(since=ago(70), until=ago(30)))
    assert got == {day["early"].id}
    with pytest.raises(InvalidInput, match="not before its end"):
        select(memloci._parts.database.conn(), Selection(since=ago(5), until=ago(10)))


def test_an_app_is_matched_like_a_capture_rule(memloci: Any, day: dict) -> None:
    both = {day["overlap"].id, day["old_firefox"].id}
    assert chosen(memloci, Selection(app="firefox")) == both  # display name, any case
    assert chosen(memloci, Selection(app="navigator")) == both  # a WM_CLASS part
    assert chosen(memloci, Selection(app="*fox")) == both
    assert chosen(memloci, Selection(app="fire")) == set()  # a name, not a substring
    assert chosen(memloci, Selection(app="firefox", since=ago(60))) == {day["overlap"].id}


def test_titles_and_addresses_are_globs(memloci: Any, day: dict) -> None:
    assert chosen(memloci, Selection(title="*quokkabank*")) == {day["overlap"].id}
    assert chosen(memloci, Selection(url="quokkabank.example/*")) == {day["overlap"].id}
    assert chosen(memloci, Selection(url="*food.example*")) == {day["old_firefox"].id}
    assert chosen(memloci, Selection(url="food.example/*")) == {day["old_firefox"].id}


def test_words_must_all_appear(memloci: Any, day: dict) -> None:
    assert chosen(memloci, Selection(query="harbour")) == {
        day["chat"][0].id,
        day["old_chat"][0].id,
        day["fact_old_chat"].id,
        day["core"].id,
    }
    assert chosen(memloci, Selection(query="harbour lovely")) == {day["old_chat"][0].id}


def test_a_conversation_is_a_source(memloci: Any, day: dict) -> None:
    assert chosen(memloci, Selection(source="chat:conv-ana")) == ids(day["chat"])
    assert chosen(memloci, Selection(source="screen:early")) == {day["early"].id}
    with pytest.raises(InvalidInput, match="KIND:REF"):
        chosen(memloci, Selection(source="conv-ana"))


def test_memloci_chat_turns_belong_to_their_session(memloci: Any) -> None:
    mine = memloci.add(
        "what did Ana say", type="episodic", sources=[Source("chat", "sess1:0:user")]
    )
    with memloci._parts.database.write() as db:
        db.conn.execute("UPDATE memories SET origin = 'chat' WHERE id = ?", (mine.id,))
    other = memloci.add("hello", type="episodic", sources=[Source("chat", "sess10:0:user")])
    with memloci._parts.database.write() as db:
        db.conn.execute("UPDATE memories SET origin = 'chat' WHERE id = ?", (other.id,))
    assert chosen(memloci, Selection(source="chat:sess1")) == {mine.id}


def test_a_type_narrows_to_what_was_made_from_the_app(memloci: Any, day: dict) -> None:
    selection = Selection(app="firefox", types=(MemoryType.SEMANTIC,))
    assert chosen(memloci, selection) == {day["fact_overlap"].id}
    assert chosen(memloci, Selection.last("15m", types=(MemoryType.EPISODIC,))) == {
        day["overlap"].id,
        day["recent"].id,
        day["typed"].id,
    } | ids(day["chat"])


def test_chosen_ids_and_nothing_chosen(memloci: Any, day: dict) -> None:
    assert chosen(memloci, Selection(ids=(day["typed"].id, "nosuchid00000000"))) == {
        day["typed"].id
    }
    for empty in (Selection(), Selection(types=(MemoryType.VAULT,)), Selection(query="  ")):
        with pytest.raises(InvalidInput, match="Say what to erase"):
            chosen(memloci, empty)


def test_lengths_of_time() -> None:
    assert parse_duration("15m") == timedelta(minutes=15)
    assert parse_duration("2 hours") == timedelta(hours=2)
    assert parse_duration("90s") == timedelta(seconds=90)
    assert parse_duration("7d") == timedelta(days=7)
    assert parse_duration("1.5h") == timedelta(minutes=90)
    assert parse_duration("30 minutes") == timedelta(minutes=30)
    for bad in ("", "15", "soon", "0m", "-5m"):
        with pytest.raises(InvalidInput):
            parse_duration(bad)


def test_erasing_removes_the_selection_and_reports_it(memloci: Any, day: dict) -> None:
    done = memloci.data.erase(Selection(app="firefox"))
    assert done.done and done.count == 3  # two sessions and the fact made from one
    assert dict(done.by_source) == {"screen · Firefox": 2, "made by the memory agents": 1}
    assert done.apps == ("Firefox",)
    conn = memloci._parts.database.conn()
    left = {r[0] for r in conn.execute("SELECT id FROM memories")}
    assert not left & {day["overlap"].id, day["old_firefox"].id, day["fact_overlap"].id}
    assert day["early"].id in left
    assert (
        conn.execute("SELECT count(*) FROM capture_sessions WHERE app = 'Firefox'").fetchone()[0]
        == 0
    )
    assert not memloci.search("quokkabank")
    again = memloci.data.erase(Selection(app="firefox"))
    assert again.count == 0 and again.done
