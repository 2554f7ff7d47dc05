"""The sentence check on model answers: what counts as a claim, when the memories support it, and
the gate that streams a sentence only after it passed. Sentences written for these tests."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest

from app.agents.claims import claims
from app.agents.grounded import Evidence, SentenceGate, check_answer, run_checked
from app.llm.base import GenerationOptions
from tests.scripted_model import ScriptedModel

MEMORIES = [
    ("Rosalind: My cousin Teodor runs the bakery on Kettle Street in Ashby.", "2025-09-02 09:15"),
    ("Rosalind: The bakery opens at 7am and shuts at 18:30 on Saturdays.", "2025-09-02 09:20"),
    ("Rosalind: Teodor's birthday is the 3rd of November.", "2025-09-03 20:00"),
    ("Rosalind: We paid 1,240.75 EUR for the oven repair, invoice OV-7731.", "2025-09-05 11:00"),
    ("Rosalind: Ring him on +44 7700 900315 or mail teo@ashby-bakes.example.", "2025-09-06 08:00"),
    ("Rosalind: Last Friday we drove to Gdańsk for the amber fair.", "2025-09-08 18:00"),
]


@pytest.fixture
def evidence() -> Evidence:
    pieces = [(text, datetime.fromisoformat(when).astimezone()) for text, when in MEMORIES]
    return Evidence([*pieces, ("When does Teodor's bakery open?", None)])


@pytest.mark.parametrize(
    "sentence",
    [
        "The bakery opens at 07:00.",  # 7am
        "On Saturdays it closes at 6:30 pm.",  # 18:30
        "Teodor's birthday is November 3rd.",  # the 3rd of November
        "The repair cost 1240.75 EUR.",  # thousands separator
        "You can ring Teodor on 07700 900315.",  # part of the phone number
        "His e-mail is teo@ashby-bakes.example.",
        "The invoice was OV-7731.",
        "You drove to Gdansk on 5 September 2025.",  # accents; last Friday, said on 8 September
        "Rosalind's cousin runs a bakery in Ashby.",
        "Bakeries are busy in the morning.",  # an ordinary word opening a sentence is no name
    ],
)
def test_what_the_memories_hold_passes_however_it_is_written(evidence, sentence) -> None:
    assert evidence.unsupported(sentence) == []


@pytest.mark.parametrize(
    ("sentence", "invented"),
    [
        ("The bakery opens at 8am.", "8am"),
        ("It was closed for 12 months.", "12"),
        ("The answer is: 2027-05-28", "2027-05-28"),
        ("The repair cost 10.5 million euros.", "10.5 million"),
        ("Teodor's birthday is on 4 November.", "4 November"),
        ("His number is +44 7700 900999.", "+44 7700 900999"),
        ("He moved to the Sheffield office.", "Sheffield"),
        ("Marguerite helps him at the bakery.", "Marguerite"),  # an unknown opener is a name
        ("Write to teodor@gmail.com instead.", "teodor@gmail.com"),
        ("It is in the spring catalogue, page 14.", "14"),
        ("See https://ashby.example/menu for prices.", "https://ashby.example/menu"),
        ("They met in April.", "April"),
        ("The invoice was OV-7732.", "OV-7732"),
    ],
)
def test_an_invented_name_number_or_date_is_named(evidence, sentence, invented) -> None:
    assert invented in evidence.unsupported(sentence)


def test_claims_are_normalised_to_one_key() -> None:
    def keys(text: str) -> set[object]:
        return {k for c in claims(text) for k in c.keys}

    assert keys("9pm") == keys("21:00") == {("time", 21 * 60)}
    assert keys("14 February") == keys("February 14th") == keys("14/02") - {("day", 14, 2)}
    assert ("n", 1284.5) in keys("€1,284.50") and ("n", 1284.5) in keys("1284.50")
    assert keys("2.14.0") == {"2.14.0"}  # a version, not a date or an amount
    numbered = claims("1. Turn off the water [2].\n2. Open the tap.")
    assert numbered == []  # list numbers and citation markers claim nothing


def test_a_whole_answer_keeps_its_good_sentences(evidence) -> None:
    text, dropped = check_answer(
        "The bakery opens at 7am [2]. It has been open since 1998. Teodor runs it.", evidence
    )
    assert text == "The bakery opens at 7am [2]. Teodor runs it."
    assert [d.unsupported for d in dropped] == [("1998",)]


def stream(gate: SentenceGate, text: str, size: int = 3) -> None:
    for start in range(0, len(text), size):
        gate.feed(text[start : start + size])
    gate.finish()


def test_the_gate_releases_whole_checked_sentences_only(evidence) -> None:
    shown: list[str] = []
    gate = SentenceGate(evidence, shown.append)
    answer = (
        "Teodor runs the bakery in Ashby [1]. He opened it in 2019 with Marguerite. "
        "It opens at 7am.\n1. Ring him on +44 7700 900315\n2. Ask for the 3 o'clock loaf"
    )
    fed = ""
    for start in range(0, len(answer), 2):
        piece = answer[start : start + 2]
        fed += piece
        gate.feed(piece)
        # nothing is ever shown before its sentence is complete and checked
        assert "".join(shown) == gate.text and all(piece in fed for piece in shown)
        assert "2019" not in "".join(shown) and "Marguerite" not in "".join(shown)
    gate.finish()
    assert gate.text == (
        "Teodor runs the bakery in Ashby [1]. It opens at 7am.\n1. Ring him on +44 7700 900315\n"
    )
    assert shown[0] == "Teodor runs the bakery in Ashby [1]. "
    assert [d.unsupported for d in gate.dropped] == [("2019", "Marguerite"), ("3 o'clock",)]


def test_abbreviations_and_decimals_do_not_end_a_sentence(evidence) -> None:
    shown: list[str] = []
    gate = SentenceGate(evidence, shown.append)
    stream(gate, "Mr. Teodor paid 1240.75 EUR. Dr. Quill fixed the oven.")
    assert shown == ["Mr. Teodor paid 1240.75 EUR. "]
    assert gate.dropped[0].unsupported == ("Quill",)


def test_a_stopped_answer_shows_nothing_unchecked(evidence) -> None:
    shown: list[str] = []
    gate = SentenceGate(evidence, shown.append)
    gate.feed("Teodor runs the bakery. It opened in 19")
    gate.discard()
    gate.finish()
    assert "".join(shown) == "Teodor runs the bakery. " and "19" not in gate.text


def test_the_model_is_stopped_when_it_only_invents(evidence) -> None:
    model = ScriptedModel(default=" ".join(f"Zed{n} came on {n} May." for n in range(40)))
    shown: list[str] = []
    completion, gate, stopped = run_checked(
        model,
        [{"role": "user", "content": "When does the bakery open?"}],
        GenerationOptions(max_tokens=400),
        evidence,
        shown.append,
        threading.Event(),
    )
    assert shown == [] and not stopped and completion.cancelled
    assert len(gate.dropped) == 3  # it gave up after three invented sentences
