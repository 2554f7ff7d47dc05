"""A search hit on a record gathered from many messages (an entity, the core block) lists the
message that said what the query asks first (issue 15: sources ordered by the query)."""

from __future__ import annotations

from app.domain import Source
from tests.unit.agent_helpers import derived, enqueue_chat

DMYTRO = [
    ("me", "My brother Dmytro lives in Lviv."),
    ("me", "Dmytro works at Lviv Polytechnic."),
    ("me", "Dmytro's email is dmytro@example.com."),
    ("me", "Dmytro's birthday is on 3 October."),
    ("me", "Dmytro's phone is +380 67 123 4567."),
]


def test_a_hit_on_an_entity_lists_the_message_of_the_asked_fact_first(memloci) -> None:
    ids = enqueue_chat(memloci, DMYTRO)
    memloci.agents.process_queue()
    people = {m.fields["name"]: m for m in derived(memloci, "semantic") if m.fields["slots"]}
    dmytro = people["Dmytro"]
    assert len(dmytro.sources) >= 4 and dmytro.sources[0] == Source("chat", ids[0])
    for query, said in (("Dmytro birthday", 3), ("Dmytro's email address", 2), ("phone", 4)):
        hit = next(h for h in memloci.search(query) if h.id == dmytro.id)
        assert hit.sources[0] == Source("chat", ids[said]), query
        assert set(hit.sources) == set(dmytro.sources)  # ordered, none lost


def test_sources_that_match_nothing_keep_their_stored_order_after_the_match(memloci) -> None:
    ids = enqueue_chat(memloci, DMYTRO)
    memloci.agents.process_queue()
    (dmytro,) = [m for m in derived(memloci, "semantic") if m.fields.get("name") == "Dmytro"]
    hit = next(h for h in memloci.search("Dmytro birthday") if h.id == dmytro.id)
    rest = [s for s in dmytro.sources if s != Source("chat", ids[3])]
    assert list(hit.sources) == [Source("chat", ids[3]), *rest]
    # A query whose words only name the record tells no source apart: stored order.
    hit = next(h for h in memloci.search("Dmytro") if h.id == dmytro.id)
    assert hit.sources == dmytro.sources


def test_a_hit_on_the_core_block_lists_the_line_of_the_asked_fact_first(memloci) -> None:
    ids = enqueue_chat(
        memloci,
        [
            ("me", "I'm Oksana Lind and I work as a pharmacist at Brightwell Clinic."),
            ("me", "I live in Leeds."),
            ("me", "My mobile is +44 7700 900123."),
            ("me", "I'm allergic to penicillin."),
        ],
    )
    memloci.agents.process_queue()
    block = memloci._parts.repo.core_block("human")
    assert block is not None and len(block.sources) >= 3
    hit = next(h for h in memloci.search("mobile number") if h.id == block.id)
    assert hit.sources[0] == Source("chat", ids[2])
