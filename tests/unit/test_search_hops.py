"""Search in steps, on a real store (the test embedder): a second hop through a name the first
hit brings, the parts of a "both" question, a period read from an anchor ("the day after the
marathon"), plans that name the asked month, dates for "when" questions, and `--explain`."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from app.cli import main
from app.core import Memloci


def _said(memloci, text: str, when: datetime):
    return memloci.add(text, type="episodic", fields={"occurred_at": when.isoformat()})


def _filler(memloci) -> None:
    for text in (
        "The cat knocked a mug of tea off the desk",
        "Train delayed again, forty minutes at Utrecht",
        "Watered the basil and the chillies on the balcony",
        "Finished the crossword in record time",
        "Printer out of cyan, ordered two cartridges",
        "Left the umbrella at the library",
    ):
        _said(memloci, text, datetime(2025, 2, 3, 12, tzinfo=UTC))


def test_a_second_hop_finds_what_a_first_hit_names(home) -> None:
    memloci = Memloci.open(home)
    _filler(memloci)
    arrives = _said(
        memloci,
        "My brother is visiting from Gdansk, Tomasz lands on Friday",
        datetime(2025, 3, 1, 9, tzinfo=UTC),
    )
    rudder = _said(
        memloci,
        "Tomasz spent the whole day rebuilding the rudder",
        datetime(2025, 3, 8, tzinfo=UTC),
    )
    deck = _said(
        memloci, "Tomasz and I sanded the deck until sunset", datetime(2025, 3, 9, tzinfo=UTC)
    )
    hits = memloci.search("What has my brother done while visiting?")
    by_id = {h.id: h for h in hits}
    assert hits[0].id == arrives.id
    assert hits[0].explanation is not None and hits[0].explanation.hop == 1
    for later in (rudder, deck):  # they never say "brother": only the name leads there
        assert later.id in by_id
        why = by_id[later.id].explanation
        assert why is not None and why.hop == 2 and "tomasz" in why.via

    memloci.save_settings(memloci.settings.with_value("retrieval.second_hop", False))
    memloci.close()
    with Memloci.open(home) as again:
        found = {h.id for h in again.search("What has my brother done while visiting?")}
    assert found == {arrives.id}


def test_each_person_of_a_both_question_is_searched(memloci) -> None:
    _filler(memloci)
    when = datetime(2025, 4, 2, tzinfo=UTC)
    priya = [
        _said(memloci, f"Priya baked {kind} bread with rye flour", when)
        for kind in ("sourdough", "seeded", "dark")
    ]
    oskar = _said(
        memloci,
        "Oskar baked a plum cake for the neighbours and the whole street on Sunday afternoon",
        when,
    )
    question = "What bread have Priya and Oskar both baked?"
    memloci.save_settings(memloci.settings.with_value("retrieval.second_hop", False))
    hits = memloci.search(question, limit=2)
    ids = [h.id for h in hits]
    # The whole question matches Priya's loaves best; Oskar's part gives him a place.
    assert oskar.id in ids and any(p.id in ids for p in priya)
    vias = {h.explanation.via for h in hits if h.explanation is not None}
    assert "What bread have Oskar baked" in vias


def test_the_day_after_an_event_is_searched_from_the_events_date(memloci) -> None:
    _filler(memloci)
    marathon = _said(
        memloci, "Ran the Rotterdam marathon today, 3:58!", datetime(2025, 4, 13, 18, tzinfo=UTC)
    )
    next_day = _said(
        memloci, "Slept until noon, then a long massage", datetime(2025, 4, 14, 15, tzinfo=UTC)
    )
    _said(memloci, "Booked a massage for my shoulder", datetime(2025, 3, 2, 15, tzinfo=UTC))
    hits = memloci.search("What did I do the day after the marathon?")
    ids = [h.id for h in hits]
    assert ids[:2] == [marathon.id, next_day.id]
    why = hits[1].explanation
    assert why is not None and why.hop == 2
    assert why.time == "said the day after 13 April 2025"


def test_a_plan_that_names_the_month_asked_is_found(memloci) -> None:
    _filler(memloci)
    plan = _said(
        memloci,
        "In April the school band travels to Quebec City for a festival",
        datetime(2025, 1, 20, 19, tzinfo=UTC),
    )
    april = _said(
        memloci, "The band room flooded after the rain", datetime(2025, 4, 10, 8, tzinfo=UTC)
    )
    _said(memloci, "The band needs new music stands", datetime(2025, 2, 11, 8, tzinfo=UTC))
    hits = memloci.search("Where is the school band going in April?")
    ids = [h.id for h in hits]
    assert plan.id in ids and april.id in ids
    assert len(ids) == 2  # the February note is outside April and names no date in it
    why = next(h.explanation for h in hits if h.id == plan.id)
    assert why is not None and why.time.startswith("mentions April 2025")


def test_a_when_question_prefers_the_memory_that_says_when(memloci) -> None:
    _filler(memloci)
    said = datetime(2024, 11, 5, 10, tzinfo=UTC)
    praise = _said(memloci, "Marco loves Porto and its bridges", said)
    dated = _said(memloci, "Marco moved to Porto in March 2021", said)
    hits = memloci.search("When did Marco come to Porto?")
    assert [h.id for h in hits][:2] == [dated.id, praise.id]
    why = hits[0].explanation
    assert why is not None and any(
        a.startswith("says a date (March 2021)") for a in why.adjustments
    )


def test_a_short_reaction_ranks_below_what_it_reacts_to(memloci, tmp_path) -> None:
    _filler(memloci)
    lines = [
        ("m1", "Joris", "The ferry to Texel was cancelled because of the storm"),
        ("m2", "Anouk", "Oh no, really?"),
        ("m3", "Joris", "We took the ferry to Texel last spring, calm sea"),
    ]
    export = tmp_path / "chat.jsonl"
    export.write_text(
        "".join(
            json.dumps(
                {
                    "id": i,
                    "conversation": "c1",
                    "speaker": who,
                    "text": text,
                    "timestamp": f"2025-05-05T10:0{n}:00+00:00",
                }
            )
            + "\n"
            for n, (i, who, text) in enumerate(lines)
        ),
        encoding="utf-8",
    )
    memloci.import_chat(export, agents=False)
    hits = memloci.search("ferry to Texel cancelled storm")
    refs = [h.sources[0].ref for h in hits]
    # The reply is found through the message before it, and ranks below both real matches.
    assert refs[0] == "m1" and refs.index("m2") > refs.index("m3")
    why = hits[refs.index("m2")].explanation
    assert why is not None and "a short reply to what matched" in why.adjustments


def run(capsys, *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out, _ = capsys.readouterr()
    return int(done.value.code or 0), out


def test_search_explain_shows_channel_hop_and_time(capsys) -> None:
    assert run(capsys, "add", "Picked up the new glasses from the optician on Kerkstraat")[0] == 0
    assert run(capsys, "add", "The optician said my left eye got worse")[0] == 0
    code, out = run(capsys, "search", "--explain", "optician glasses")
    assert code == 0
    lines = out.splitlines()
    first = lines.index(next(line for line in lines if "why:" in line))
    assert "full text #1" in lines[first] and "hop 1, the query" in lines[first]
    code, out = run(capsys, "search", "--explain", "--json", "optician glasses")
    why = json.loads(out)["hits"][0]["why"]
    assert why["hop"] == 1 and why["channels"][0] == {"channel": "full text", "rank": 1}
    code, out = run(capsys, "search", "--json", "optician glasses")
    assert "why" not in json.loads(out)["hits"][0]  # only when asked
    code, out = run(capsys, "search", "--explain", "what did I do today")
    assert "time: said today" in out


def test_a_period_nothing_was_said_in_ranks_without_hiding_the_rest(memloci) -> None:
    _filler(memloci)
    said = datetime(2025, 6, 1, 10, tzinfo=UTC)
    rye = _said(memloci, "Ana baked rye bread for the market stall", said)
    cake = _said(memloci, "Ana baked a plum cake for her sister", said)
    plan = _said(memloci, "Ana will bake the wedding cake for Lotte in June 2031", said)
    hits = memloci.search("What has Ana baked in 2031?")
    ids = [h.id for h in hits]
    # Nothing was said in 2031: the memory naming it keeps its place, the rest still answer
    # below what fits (they used to be hidden, leaving the plan alone).
    assert {plan.id, rye.id, cake.id} <= set(ids) and ids.index(plan.id) < ids.index(rye.id)
    why = hits[ids.index(plan.id)].explanation
    assert why is not None and why.time.startswith("mentions June 2031")
