"""Entities: people, pets, places and things, their relation to the person and their facts."""

from __future__ import annotations

from tests.unit.reading_helpers import chat, entity_facts, me


def test_relation_and_name_with_facts_and_pronoun() -> None:
    r = me("My brother Tobias lives in Tromsø; his birthday is on 11 March.")
    tobias = r.entity("Tobias")
    assert tobias is not None and tobias.relation == "brother" and tobias.kind == "person"
    assert entity_facts(r, "Tobias", "lives_in") == ["Tromsø"]
    assert entity_facts(r, "Tobias", "birthday") == ["11 March"]
    assert r.events == []  # a birthday is a yearly fact, not an event


def test_possessive_name() -> None:
    r = me("Ingrid's phone number is +47 911 22 333.")
    assert entity_facts(r, "Ingrid", "phone") == ["+47 911 22 333"]
    assert [f for f in r.person_facts if f.slot == "phone"] == []


def test_pet_by_apposition_and_in_object_position() -> None:
    r = me("We took Pepper, our old labrador, to the groomer.", "Our cat Nisse hates rain.")
    pepper = r.entity("Pepper")
    assert pepper is not None and pepper.relation == "old labrador"
    nisse = r.entity("Nisse")
    assert nisse is not None and nisse.relation == "cat"


def test_bare_relation_nouns_in_notes() -> None:
    r = me("grandma still lives in hamar, bday sept 9. uncle arvid runs a bakery")
    grandma = r.entity("grandma")
    assert grandma is not None and grandma.relation == "grandmother"
    assert entity_facts(r, "grandma", "lives_in") == ["hamar"]
    assert entity_facts(r, "grandma", "birthday") == ["sept 9"]
    per = r.entity("Arvid")
    assert per is not None and per.relation == "uncle"
    assert entity_facts(r, "Arvid", "note") == ["runs a bakery"]


def test_relation_named_by_a_copula() -> None:
    r = me("My landlord is Mr Dahl; he fixes things fast.")
    dahl = r.entity("Mr Dahl")
    assert dahl is not None and dahl.relation == "landlord"
    assert entity_facts(r, "Mr Dahl", "note") == ["fixes things fast"]


def test_named_person_role() -> None:
    r = me("Sigrid Lunde is head of marketing, she approves my travel.")
    assert entity_facts(r, "Sigrid Lunde", "role") == ["head of marketing"]
    assert entity_facts(r, "Sigrid Lunde", "note") == ["approves my travel"]


def test_other_speakers_relations_are_theirs() -> None:
    r = chat(("Maren", "How are the kids?"), ("Jonas", "Good! My daughter Liv started school."))
    liv = r.entity("Liv")
    assert liv is not None and liv.relation == "Jonas's daughter"


def test_your_means_the_other_speaker() -> None:
    r = chat(("Jonas", "Hi Maren"), ("Maren", "Is your sister Kaja still in Oslo?"))
    kaja = r.entity("Kaja")
    assert kaja is not None and kaja.relation == "Jonas's sister"


def test_your_to_the_assistant_names_nobody() -> None:
    r = me("your kids must be busy")
    assert r.entities == []


def test_unspecific_relations_are_not_entities() -> None:
    r = me("The kids had a great time at the zoo.")
    assert r.entities == []


def test_opening_hours_and_schedules_are_facts_not_events() -> None:
    r = me(
        "Remember that the pharmacy closes at 6pm on Saturdays.",
        "Bakeri Nord hours: 7am to 4pm on weekdays.",
        "The glass recycling is collected every other Monday.",
    )
    assert entity_facts(r, "pharmacy", "hours") == ["closes at 6pm on Saturdays"]
    assert entity_facts(r, "Bakeri Nord", "hours") == ["7am to 4pm on weekdays"]
    assert entity_facts(r, "glass recycling", "schedule") == ["is collected every other Monday"]
    assert r.events == []


def test_pronoun_does_not_reach_into_another_message() -> None:
    r = me("My sister Kaja lives in Oslo.", "She said the meeting went well.")
    assert entity_facts(r, "Kaja") == ["Oslo", "lives in Oslo"]


def test_sentence_initial_common_nouns_are_not_people() -> None:
    r = me("Coffee keeps me going.", "Gardening is my therapy.")
    assert r.entities == []


def test_entity_moving_replaces_where_they_live() -> None:
    r = me("My friend Aksel lives in Bodø.", "Aksel moved to Trondheim last month.")
    assert entity_facts(r, "Aksel", "lives_in") == ["Trondheim"]


def test_what_kind_of_animal_a_pet_is_is_a_fact_of_its_own() -> None:
    r = me(
        "Our cat Nisse is a Norwegian forest cat and sheds everywhere.",
        "our dog tjorven is a kooikerhondje, 2 yrs, terrified of the hoover",
        "Our rabbit Fern is a Netherland dwarf who hates carrots.",
        "Our dog Rufus is a good boy and sleeps all day.",
    )
    assert entity_facts(r, "Nisse", "breed") == ["Norwegian forest cat"]
    assert entity_facts(r, "Tjorven", "breed") == ["kooikerhondje"]  # a word no lexicon knows
    assert entity_facts(r, "Fern", "breed") == ["Netherland dwarf"]
    assert entity_facts(r, "Rufus", "breed") == []  # how he is, not what kind of dog
    # The whole description stays too.
    assert entity_facts(r, "Tjorven", "is") == ["a kooikerhondje, 2 yrs, terrified of the hoover"]


def test_names_someone_goes_by_when_the_message_says_so() -> None:
    r = me(
        "My sister Beatrix (Bea) lives in Gdansk.",
        "Our dog Biscuit, or Bix for short, hates rain.",
        "My neighbour Rosalind moved in. We all call her Roz.",
        "My cousin Tomek plays chess. We call him every day.",
    )
    assert r.entity("Beatrix").aliases == ["Bea"]
    assert r.entity("Biscuit").aliases == ["Bix"]
    assert r.entity("Rosalind").aliases == ["Roz"]
    assert r.entity("Tomek").aliases == []  # "every" is a word, not a name
    lower = me("my aunt ingrid lives in bergen, we call her inka")
    assert lower.entity("Ingrid").aliases == ["Inka"]
