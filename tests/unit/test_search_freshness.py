"""A word nobody had written yet is found as soon as a memory holds it."""

from __future__ import annotations


def test_a_word_absent_at_the_first_search_is_found_after_an_update(memloci) -> None:
    memory = memloci.add("Quarterly planning notes", type="episodic")
    assert memloci.search("budgets") == []
    memloci.update(memory.id, "Quarterly planning notes about budgets")
    assert [h.id for h in memloci.search("budgets")] == [memory.id]
    other = memloci.add("Travel budgets for May", type="episodic")
    assert {h.id for h in memloci.search("budgets")} == {memory.id, other.id}


def test_the_full_text_channel_itself_sees_a_new_word(memloci) -> None:
    from app.search.filters import Filters

    lexical = memloci._parts.retriever.lexical
    memory = memloci.add("Quarterly planning notes", type="episodic")
    assert lexical.search("budgets", Filters(), 10) == []
    memloci.update(memory.id, "Quarterly planning notes about budgets")
    assert [h.memory_id for h in lexical.search("budgets", Filters(), 10)] == [memory.id]
