"""One person under several names is one node, and a relation naming any of them links to it
(issue 15: "my sister Beatrix" / "Beatrix Nowak" / "Bea")."""

from __future__ import annotations

from app.domain import Source
from tests.unit.agent_helpers import derived, enqueue_chat


def test_a_full_name_said_later_is_the_person_already_known(memloci) -> None:
    enqueue_chat(memloci, [("me", "My sister Beatrix lives in Gdansk.")])
    memloci.agents.process_queue()
    enqueue_chat(memloci, [("me", "Beatrix Nowak works at the port now.")], first=1)
    memloci.agents.process_queue()
    people = [m for m in derived(memloci, "semantic") if m.fields.get("kind") == "person"]
    assert [m.fields["name"] for m in people] == ["Beatrix"]
    (beatrix,) = people
    assert "Beatrix Nowak" in beatrix.fields["aliases"]
    assert set(beatrix.sources) == {Source("chat", "c1:0"), Source("chat", "c1:1")}


def test_a_relation_naming_an_alias_or_a_first_name_links_to_that_person(memloci) -> None:
    enqueue_chat(
        memloci,
        [
            ("me", "My sister Beatrix lives in Gdansk."),
            ("me", "My colleague Karol Wisniewski works in Warsaw."),
        ],
    )
    memloci.agents.process_queue()
    # A record that says so: Beatrix also answers to "Bea".
    (beatrix,) = [m for m in derived(memloci, "semantic") if m.fields.get("name") == "Beatrix"]
    aliases = [*beatrix.fields.get("aliases", []), "Bea"]
    memloci.update(beatrix.id, fields={**beatrix.fields, "aliases": aliases})
    enqueue_chat(
        memloci,
        [
            ("me", "Bea's daughter Ola starts school in September."),
            ("me", "Karol's son Tymon plays chess."),
        ],
        first=2,
    )
    memloci.agents.process_queue()
    graph = memloci.entity_graph()
    related = {frozenset((e.a, e.b)): e.label for e in graph.edges if e.label}
    assert related[frozenset(("beatrix", "ola"))] == "daughter"
    assert related[frozenset(("karol wisniewski", "tymon"))] == "son"


def test_a_name_someone_goes_by_is_read_from_the_chat_and_links_them(memloci) -> None:
    enqueue_chat(memloci, [("me", "My sister Beatrix (Bea) lives in Gdansk.")])
    memloci.agents.process_queue()
    enqueue_chat(memloci, [("me", "Bea's daughter Ola starts school in September.")], first=1)
    memloci.agents.process_queue()
    people = {m.fields["name"]: m for m in derived(memloci, "semantic")}
    assert people["Beatrix"].fields["aliases"] == ["Bea"] and "Bea" not in people
    graph = memloci.entity_graph()
    related = {frozenset((e.a, e.b)): e.label for e in graph.edges if e.label}
    assert related[frozenset(("beatrix", "ola"))] == "daughter"
