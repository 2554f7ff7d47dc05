"""What kind of animal a pet is, read from chat, answers "what breed is ...?" (issue 15)."""

from __future__ import annotations

from tests.unit.agent_helpers import derived, enqueue_chat


def test_a_pets_breed_is_kept_on_its_record_and_answers_the_question(memloci) -> None:
    enqueue_chat(
        memloci,
        [
            ("me", "our dog tjorven is a kooikerhondje, 2 yrs, terrified of the hoover"),
            ("me", "Our cat Nisse is a Norwegian forest cat and sheds everywhere."),
        ],
    )
    memloci.agents.process_queue()
    pets = {m.fields["name"]: m for m in derived(memloci, "semantic") if m.fields.get("slots")}
    breeds = {
        name: [v["value"] for v in record.fields["slots"].get("breed", [])]
        for name, record in pets.items()
    }
    assert breeds == {"Tjorven": ["kooikerhondje"], "Nisse": ["Norwegian forest cat"]}
    answer = memloci.ask("what breed is tjorven?", record=False)
    assert "kooikerhondje" in answer.answer and answer.citations == [pets["Tjorven"].id]
    answer = memloci.ask("What breed is Nisse?", record=False)
    assert "Norwegian forest cat" in answer.answer
