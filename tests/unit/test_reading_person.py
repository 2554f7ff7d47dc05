"""Facts about the person: who they are, where they work and live, contacts, diet, likes."""

from __future__ import annotations

from tests.unit.reading_helpers import facts, me


def test_introduction_gives_name_job_employer_and_city() -> None:
    r = me("Hello, I'm Maren Holt, I work as a landscape architect at Grønn Form in Bergen.")
    assert facts(r, "name") == ["Maren Holt"]
    assert facts(r, "job") == ["landscape architect"]
    assert facts(r, "employer") == ["Grønn Form"]
    assert facts(r, "work_city") == ["Bergen"]


def test_copula_job_and_teaching_verb() -> None:
    assert facts(me("I'm a nurse at St Olav's Hospital."), "job") == ["nurse"]
    r = me("I teach maths at Fyllingsdalen School in Bergen.")
    assert facts(r, "job") == ["teaches maths"]
    assert facts(r, "employer") == ["Fyllingsdalen School"]


def test_lowercase_note_with_name_then_job() -> None:
    r = me("maren holt, ferry pilot at fjordline in stavanger. mail maren@fjordline.no")
    assert facts(r, "name") == ["Maren Holt"]
    assert facts(r, "job") == ["ferry pilot"]
    assert facts(r, "employer") == ["fjordline"]
    assert facts(r, "email") == ["maren@fjordline.no"]


def test_contacts_with_labels() -> None:
    r = me("My personal email is maren.h@posteo.net and my mobile is +47 412 88 301.")
    emails = [f for f in r.person_facts if f.slot == "email"]
    assert [(f.value, f.label) for f in emails] == [("maren.h@posteo.net", "personal")]
    phones = [f for f in r.person_facts if f.slot == "phone"]
    assert [(f.value, f.label) for f in phones] == [("+47 412 88 301", "mobile")]


def test_list_of_details_after_a_colon() -> None:
    r = me(
        "For forms: work email m.holt@gronnform.no, mobile +47 412 88 301, home 9 Elm Road, "
        "Leeds LS6 2AB."
    )
    assert facts(r, "email") == ["m.holt@gronnform.no"]
    assert facts(r, "phone") == ["+47 412 88 301"]
    assert facts(r, "address") == ["9 Elm Road, Leeds LS6 2AB"]


def test_new_number_replaces_the_old_one() -> None:
    r = me("My mobile is 0412 555 019.", "I got a new phone: my number is now 0412 777 123.")
    assert facts(r, "phone") == ["0412 777 123"]
    assert facts(r, "phone", current=False) == ["0412 555 019", "0412 777 123"]


def test_old_value_declared_gone() -> None:
    r = me(
        "Home address: 3 Birch Close, York YO1 7HH.",
        "We moved! New address: 22 Harbour Street, Whitby YO21 3PU. Birch Close is history.",
    )
    assert facts(r, "address") == ["22 Harbour Street, Whitby YO21 3PU"]


def test_the_old_one_is_gone_retracts_the_slot_of_the_new_value() -> None:
    r = me("mob +44 7700 900123", "new number +44 7700 900456, the old one is disconnected")
    assert facts(r, "phone") == ["+44 7700 900456"]


def test_not_x_retracts_a_named_value() -> None:
    r = me(
        "I work at Vale & Co in Derby.", "Update: I now work from the Nottingham office, not Derby."
    )
    assert "Derby" not in facts(r, "work_city")
    assert facts(r, "work_location") == ["Nottingham office"]
    assert facts(r, "employer") == ["Vale & Co"]


def test_job_change() -> None:
    r = me(
        "I'm a barista at Bean There.",
        "I no longer work at Bean There; I've joined Hatch Labs as a junior developer.",
    )
    assert facts(r, "employer") == ["Hatch Labs"]
    assert facts(r, "job") == ["junior developer"]


def test_allergies_in_several_forms() -> None:
    assert facts(me("I'm allergic to peanuts."), "allergy") == ["peanuts"]
    assert facts(me("allergic to wasps, epipen in my bag"), "allergy") == ["wasps"]
    assert facts(me("I can't eat kiwi; I'm allergic."), "allergy") == ["kiwi"]
    assert facts(me("Ibuprofen gives me hives, it's a real allergy."), "allergy") == ["Ibuprofen"]


def test_diet() -> None:
    assert facts(me("I'm vegan."), "diet") == ["vegan"]
    assert facts(me("I don't eat pork."), "diet") == ["no pork"]


def test_preferences_and_dislikes() -> None:
    r = me("I prefer aisle seats on trains.", "Green tea every time, please.", "no onions pls")
    assert facts(r, "preference") == ["aisle seats on trains", "Green tea every time"]
    assert facts(r, "dislike") == ["onions"]


def test_a_past_liking_or_a_clause_is_not_a_preference() -> None:
    r = me("I loved the concert last night.", "I love that you remembered it.")
    assert facts(r, "preference") == []


def test_favourites() -> None:
    r = me(
        "My favourite author is Tove Jansson.",
        "If I could only keep one album, it would be Blue by Joni Mitchell.",
    )
    favs = [(f.label, f.value) for f in r.person_facts if f.slot == "favourite"]
    assert favs == [("author", "Tove Jansson"), ("album", "Blue by Joni Mitchell")]


def test_languages_and_birthday() -> None:
    r = me("I speak Norwegian and German.", "My birthday is on 2 May.")
    assert facts(r, "language") == ["Norwegian and German"]
    assert facts(r, "birthday") == ["2 May"]


def test_other_speakers_facts_are_not_the_persons() -> None:
    from tests.unit.reading_helpers import chat

    r = chat(("Maren", "Are you around?"), ("Ola", "My email is ola@fjell.no now."))
    assert facts(r, "email") == []
    ola = r.entity("Ola")
    assert ola is not None and [f.value for f in ola.current()] == ["ola@fjell.no"]
