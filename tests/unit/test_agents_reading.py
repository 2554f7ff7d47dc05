"""Issue 15 through the real pipeline and store (no model): a plain personal chat becomes typed
memories read by app/reading, written as slot lines and entity records with their sources."""

from __future__ import annotations

from datetime import timedelta

from app.autofill.fields import FieldSpec
from app.domain import Source
from tests.unit.agent_helpers import START, derived, enqueue_chat, enqueue_screen


def test_a_personal_chat_becomes_slot_lines_entities_and_dated_events(memloci) -> None:
    memloci.save_settings(memloci.settings.with_value("agents.person_names", "Oksana, Oksana Lind"))
    ids = enqueue_chat(
        memloci,
        [
            ("me", "I'm Oksana Lind and I work as a pharmacist at Brightwell Clinic."),
            ("me", "My mobile is +44 7700 900123 and I'm allergic to penicillin."),
            ("me", "My brother Dmytro lives in Lviv; his birthday is on 3 October."),
            ("me", "The library opens at 10am on Saturdays."),
            ("me", "Yesterday I repainted the garden fence with Dmytro."),
        ],
    )
    report = memloci.agents.process_queue()
    assert report.done == 5 and report.failed == 0
    block = memloci._parts.repo.core_block("human")
    assert block is not None
    lines = block.fields["value"].splitlines()
    assert "Mobile: +44 7700 900123" in lines and "Allergy: penicillin" in lines
    assert any(line.startswith("Employer: Brightwell Clinic") for line in lines)
    sources = {m["key"]: m["source"] for m in block.fields["lines"]}
    assert sources["Mobile"] == f"chat:{ids[1]}"
    people = {m.fields["name"]: m for m in derived(memloci, "semantic") if m.fields["slots"]}
    dmytro = people["Dmytro"]
    assert dmytro.fields["kind"] == "person" and "brother" in dmytro.fields["relation"]
    assert "lives in Lviv" in dmytro.fields["summary"] and "3 October" in dmytro.text
    assert dmytro.sources == (Source("chat", ids[2]),)
    assert dmytro.occurred_at == START + timedelta(minutes=2)  # when it was said, not imported
    assert "10am" in people["library"].text  # opening hours are a fact ...
    events = [m for m in derived(memloci, "episodic") if m.fields["event_type"] != "chat"]
    # ... and so is a birthday: the only event is the fence, at the day it happened.
    assert [m.occurred_at.date().isoformat() for m in events] == [
        (START - timedelta(days=1)).date().isoformat()
    ]
    assert "fence" in events[0].text and events[0].sources == (Source("chat", ids[4]),)


def test_a_new_value_replaces_its_core_line_and_autofill_offers_it_first(memloci) -> None:
    enqueue_chat(memloci, [("me", "My mobile is +44 7700 900111 and I live in Leeds.")])
    memloci.agents.process_queue()
    (second,) = enqueue_chat(
        memloci,
        [("me", "My new mobile number is +44 7700 900222; I moved to York.")],
        start=START + timedelta(days=5),
        first=3,
    )
    memloci.agents.process_queue()
    block = memloci._parts.repo.core_block("human")
    assert block is not None
    text = block.fields["value"]
    assert "900222" in text and "900111" not in text  # one line per slot, the current value
    assert "York" in text and "Leeds" not in text
    history = memloci.history(block.id)
    assert any(second in (h.reason or "") for h in history)  # which message changed it
    (result,) = memloci.autofill.suggest([FieldSpec(label="Phone")])
    assert result.suggestions and "900222" in result.suggestions[0].value


def test_a_forgotten_message_takes_its_slot_values_with_it(memloci) -> None:
    ids = enqueue_chat(
        memloci,
        [
            ("me", "My sister Greta lives in Bergen."),
            ("me", "Greta's email is greta@fjord.example"),
        ],
    )
    memloci.agents.process_queue()
    (greta,) = [m for m in derived(memloci, "semantic") if m.fields["slots"]]
    raw = next(m for m in memloci.list(limit=50) if m.sources == (Source("chat", ids[1]),))
    memloci.forget(raw.id)
    after = memloci.get(greta.id)
    assert "greta@fjord.example" not in after.text
    assert "greta@fjord.example" not in str(after.fields)
    assert "Bergen" in after.fields["summary"] and after.sources == (Source("chat", ids[0]),)
    history = memloci._parts.database.conn().execute(
        "SELECT coalesce(old, '') || coalesce(new, '') FROM memory_history WHERE memory_id = ?",
        (greta.id,),
    )
    assert not any("greta@fjord.example" in row[0] for row in history)


def test_the_graph_shows_the_person_and_their_relations(memloci) -> None:
    memloci.save_settings(memloci.settings.with_value("agents.person_names", "Oksana"))
    enqueue_chat(
        memloci,
        [
            ("me", "I'm Oksana Lind."),
            ("me", "My brother Dmytro lives in Lviv."),
            ("me", "Our dog Pirat loves the beach."),
        ],
    )
    memloci.agents.process_queue()
    graph = memloci.entity_graph()
    kinds = {n.label: n.category for n in graph.nodes}
    assert kinds["Dmytro"] == "person" and kinds["Oksana"] == "person"
    related = {(e.a, e.b): e.label for e in graph.edges if e.label}
    assert related[("dmytro", "oksana")] == "brother" or related[("oksana", "dmytro")] == "brother"


def test_a_how_to_read_on_screen_becomes_a_procedure_cited_to_the_session(memloci) -> None:
    enqueue_screen(
        memloci,
        "s9",
        app="Firefox",
        title="Router help - Firefox",
        text="To reset the router: unplug the power cable, wait thirty seconds, then plug it "
        "back in and hold the reset button for ten seconds.",
        url="https://help.example/router",
    )
    memloci.agents.process_queue()
    (how_to,) = derived(memloci, "procedural")
    assert "reset the router" in how_to.fields["summary"].lower()
    assert how_to.fields["steps"][0].lower().startswith("unplug the power cable")
    assert how_to.sources == (Source("screen", "s9"),)
