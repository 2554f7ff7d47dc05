"""Reading a query before searching it (pure): "when" questions, the smaller questions a query
holds, the names a first hit brings for a second hop, and how a memory fits a period."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone

import pytest

from app.search import fusion
from app.search.copies import Copies
from app.search.hops import bridges
from app.search.plan import QueryPlan, asks_when, decompose
from app.search.pool import Pool
from app.search.timefit import fit, relation_window
from app.timewords import TimeWindow, parse_query

TZ = timezone(timedelta(hours=2))
NOW = datetime(2025, 9, 10, 9, 0, tzinfo=TZ)


@pytest.mark.parametrize(
    ("query", "when"),
    [
        ("When did Ilse start at the bakery?", True),
        ("when is the dentist", True),
        ("What date is the recital?", True),
        ("In which year did Bruno buy the van?", True),
        ("Around when did the roof start leaking?", True),
        ("On what day did the parcel come?", True),
        ("How long ago did we meet Farid?", True),
        ("How many weeks after the move did the boiler break?", True),
        ("What did Ilse bake?", False),
        ("Where does Bruno keep the van?", False),
        ("How long is the drive to Graz?", False),
        ("whenever the cat is hungry", False),
    ],
)
def test_asks_when(query: str, when: bool) -> None:
    assert asks_when(query) is when


@pytest.mark.parametrize(
    ("query", "parts"),
    [
        (
            "What have Priya and Oskar both baked?",
            ("What have Priya baked", "What have Oskar baked"),
        ),
        (
            "Which cities have Farid and Ilse each lived in?",
            ("Which cities have Farid lived in", "Which cities have Ilse lived in"),
        ),
        (
            "Where did Bruno park the van, and who drove it home?",
            ("Where did Bruno park the van", "who drove it home Bruno"),
        ),
        (
            "Would Ilse rather visit a quiet lake or a theme park?",
            ("Would Ilse rather visit a quiet lake", "a theme park Ilse"),
        ),
        ("What did Priya bake for the fair?", ()),
        ("Salt and pepper grinder", ()),
        ("tea or coffee", ()),  # two one-word choices with no subject: nothing to split
    ],
)
def test_decompose(query: str, parts: tuple[str, ...]) -> None:
    assert decompose(query) == parts


def test_plan_reads_the_period_and_keeps_the_rest() -> None:
    plan = QueryPlan.read("What did Priya and Oskar bake in March 2024?", NOW)
    assert plan.text == "What did Priya and Oskar bake?"
    assert plan.parsed.window is not None and plan.parsed.window.phrase == "in March 2024"
    assert plan.parts == ("What did Priya bake", "What did Oskar bake")
    assert not plan.asks_when


def test_bridges_are_rare_names_the_query_lacks() -> None:
    frequency = {"tomasz": 4, "gdansk": 2, "ines": 900, "thursday": 3}.get
    firsts = [
        ("Ines: My brother arrives from Gdansk on Thursday, Tomasz never flew before.", "Ines"),
        ("Tomasz wants to see the harbour. Ines says hi.", "Kasia"),
    ]
    found = bridges("What has Ines's brother done?", firsts, lambda w: frequency(w, 0), 1_000)
    # "tomasz" twice and rare; "gdansk" once; "ines" is asked (and common); "Thursday" is a
    # time word; "My" a function word.
    assert found == ["tomasz", "gdansk"]


def test_no_bridge_from_common_or_unknown_words() -> None:
    firsts = [("Lunch at Noma with Ben", "")]
    assert bridges("lunch", firsts, lambda w: {"noma": 80, "ben": 0}[w], 1_000) == []


def test_a_capitalised_first_word_is_no_name() -> None:
    firsts = [
        ("Rui: Yes! We went camping by the lake with Pedro. Pedro swam.", "Rui"),
        ("Look at this: Marta built the tent.", "Ana"),
    ]
    found = bridges("weekend", firsts, lambda w: 1, 1_000)
    # "Yes", "We" and "Look" only start sentences; Pedro and Marta are also named inside one.
    assert sorted(found) == ["marta", "pedro"]


def _window(query: str) -> TimeWindow:
    window = parse_query(query, NOW).window
    assert window is not None
    return window


def test_a_memory_fits_a_period_by_when_it_was_said_or_a_date_it_names() -> None:
    april = _window("Where is the choir going in April?")
    plan_said_in_january = datetime(2025, 1, 20, 18, 0, tzinfo=TZ)
    said = fit("We sang in the cathedral", datetime(2025, 4, 3, 12, tzinfo=TZ), april)
    assert said.how == "said"
    planned = fit("In April the choir travels to Ljubljana", plan_said_in_january, april)
    assert (planned.how, planned.label) == ("mentions", "April 2025")
    told_after = fit(
        "We got back from Ljubljana on the 28th",
        datetime(2025, 5, 2, 9, 0, tzinfo=TZ),
        april,
    )
    assert told_after.how == "mentions"
    assert fit("New robes for the choir", plan_said_in_january, april).how == "outside"
    # A rule is no date in the period: "every Tuesday in April" is not news from April.
    weekly = fit("Rehearsal every Tuesday", plan_said_in_january, april)
    assert weekly.how == "outside"


def test_a_relation_is_a_period_once_its_anchor_has_a_day() -> None:
    relation = parse_query("What did Ilse do the weekend before the recital?", NOW).relation
    assert relation is not None and relation.anchor == "the recital"
    window = relation_window(relation, date(2025, 6, 14), NOW)  # a Saturday
    assert window is not None and window.since is not None and window.until is not None
    assert (window.since.date(), window.until.date()) == (date(2025, 6, 7), date(2025, 6, 9))
    assert window.phrase == "the weekend before 14 June 2025"


class _Facts:
    """Just enough of a retriever for `Search.spread`: when each memory was said."""

    def __init__(self, said: dict[str, datetime]) -> None:
        self.said = said

    def facts(self, ids: list[str], text: bool = False) -> dict[str, tuple[object, ...]]:
        return {i: (self.said[i].isoformat(), 0.0) for i in ids if i in self.said}

    def copies(self, ids: list[str], filters: object = None) -> Copies:
        return Copies({}, frozenset())  # all messages: nothing gathered, nothing copied


def _spread(scores: dict[str, float], said: dict[str, datetime], limit: int) -> list[str]:
    from app.search.run import Search

    search = Search.__new__(Search)
    search.r = _Facts(said)  # type: ignore[assignment]
    search.pool, search.facts, search.exempt = Pool(), {}, set()
    search.pool.add(scores, scores, {})
    search.spread(limit)
    return search.pool.top(limit)


def test_results_spread_over_days(monkeypatch) -> None:
    evening = datetime(2025, 7, 4, 20, tzinfo=TZ)
    scores = {f"e{n}": 1.0 - n / 100 for n in range(6)}  # one evening's six messages
    said = {key: evening for key in scores}
    scores["june"], said["june"] = 0.93, datetime(2025, 6, 20, 19, tzinfo=TZ)
    top = _spread(scores, said, 5)
    # Past the third hit of one day, another day's nearly as good memory takes a place.
    assert top == ["e0", "e1", "e2", "june", "e3"]
    monkeypatch.setattr("app.search.run.SPREAD", 0.0)
    assert "june" not in _spread(scores, said, 5)


def test_equal_memories_never_cost_another_part_its_place() -> None:
    """Three loaves say the same; their similarities differ only by float32 rounding, which
    depends on the install's rotation key, and the lists meet them in any order. Whichever,
    the Priya part is stood for by the loaf ranked first, so Oskar's part keeps the second
    place. (Under load it once lost it: noise made another loaf the part's best.)"""
    loaves = ["k3loaf", "a1loaf", "m2loaf"]
    noise = [0.0, 1.2e-7, 2.4e-7]
    cases = itertools.product(itertools.permutations(noise), itertools.permutations(noise))
    for whole_noise, part_noise in cases:
        pool = Pool()
        lexical = dict.fromkeys(loaves, 1.99) | {"oskar": 1.69}
        dense = {k: 0.375 - n for k, n in zip(loaves, whole_noise, strict=True)} | {"oskar": 0.25}
        pool.add(fusion.convex(lexical, dense, 0.5), lexical, dense)
        lexical = dict.fromkeys(loaves, 1.99) | {"oskar": 0.28}
        dense = {k: 0.474 - n for k, n in zip(loaves, part_noise, strict=True)}
        pool.add(fusion.convex(lexical, dense, 0.5), lexical, dense, via="Priya", lead=True)
        lexical = {"oskar": 1.69} | dict.fromkeys(loaves, 1.19)
        dense = dict.fromkeys(loaves, 0.316)
        pool.add(fusion.convex(lexical, dense, 0.5), lexical, dense, via="Oskar", lead=True)
        top = pool.top(2)
        assert top[1] == "oskar" and top[0] in loaves, (whole_noise, part_noise)
        assert top[0] == pool.ranked()[0]


def test_scores_a_rounding_error_apart_are_equal() -> None:
    assert fusion.minmax({"a": 0.4743417, "b": 0.4743416, "c": 0.4743417}) == dict.fromkeys(
        "abc", 1.0
    )
    assert fusion.minmax({"a": 0.5, "b": 0.25}) == {"a": 1.0, "b": 0.0}
