"""Resources: titles, links and files, with their kind and the phrase that names them."""

from __future__ import annotations

from tests.unit.reading_helpers import me


def kinds(reading):
    return [(r.kind, r.title) for r in reading.resources]


def test_quoted_title_with_kind_from_context() -> None:
    r = me("Our book club is reading 'The Left Hand of Darkness' this month.")
    assert kinds(r) == [("book", "The Left Hand of Darkness")]


def test_title_after_a_reading_verb_with_author() -> None:
    r = me(
        "Just finished Pachinko by Min Jin Lee, and started reading Tomorrow and Tomorrow "
        "and Tomorrow."
    )
    titles = [res.title for res in r.resources]
    assert "Tomorrow and Tomorrow and Tomorrow" in titles


def test_film_and_podcast() -> None:
    r = me('We watched "Aftersun" on Friday.', "I listen to the podcast 'Hard Fork' daily.")
    assert kinds(r) == [("film", "Aftersun"), ("podcast", "Hard Fork")]


def test_link_titled_by_its_introduction() -> None:
    r = me("The onboarding checklist lives at https://wiki.example.org/hr/onboarding-v3.pdf")
    res = r.resources[0]
    assert res.title == "The onboarding checklist" and res.kind == "document"
    assert res.url == "https://wiki.example.org/hr/onboarding-v3.pdf"


def test_file_name() -> None:
    r = me("Budget figures are in q3-forecast.xlsx on the team drive.")
    assert kinds(r) == [("spreadsheet", "q3-forecast.xlsx")]


def test_quoted_speech_is_not_a_title() -> None:
    r = me('Ola texted: "I will be late, start without me".')
    assert r.resources == []
