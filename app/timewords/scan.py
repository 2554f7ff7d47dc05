"""Finding time expressions in a text: the longest matches of the grammar that do not overlap,
joined where they belong together, and read in their clause.

Joining: "the day after" + "14 February" is one shift; "tomorrow" + "at 3pm" one moment;
"from 3 May" + "to 7 May" one range; "every year" + "on 14 February" one rule. The clause says
the rest: "her birthday is on 14 February" is a yearly date, "the gym is open Monday to
Friday" a weekly rule, "see you on Saturday" the coming Saturday.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from app.timewords import vocab as V
from app.timewords.builders import words
from app.timewords.grammar import Grammar
from app.timewords.nodes import (
    Between,
    Clock,
    Day,
    Every,
    Holiday,
    Month,
    Node,
    NthWeekday,
    Offset,
    Part,
    Recurrence,
    Season,
    Shift,
    Timed,
    Weekday,
    WeekOf,
    Year,
)

# Prepositions that make a period a bound: "since March" is from March on. ("from March" alone
# is "of March", as in "photos from March"; "from X to Y" is a range.)
BOUNDING = frozenset({"since", "after", "before", "until", "till", "til", "by"})
_PREPS = (
    r"since|from|before|after|until|till|til|by|in|on|at|during|over|through|throughout|"
    r"around|for|as\s+of|between|back\s+in|of"
)
# Words before an expression taken into it ("from" is not: "move from 4 years ago").
_PREP_TAIL = re.compile(rf"(?i)\b(?P<prep>{_PREPS.replace('from|', '')})\s+$")
_HEAD = re.compile(  # used with .match(), so at the start of an expression
    rf"(?i)(?:(?P<part>early|mid|late|(?:the\s+)?(?:start|beginning|middle|end)\s+of)|"
    rf"(?P<prep>{_PREPS}|every|each))[\s-]+"
)
_PART_TAIL = re.compile(
    r"(?i)\b(?P<part>early|mid|late|the\s+(?:start|beginning|middle|end)(?:\s+of)?"
    r"|(?:start|beginning|middle|end)\s+of)[\s-]*$"
)
_WEEK_OF_TAIL = re.compile(r"(?i)\bthe\s+(?P<unit>week|weekend)\s+of\s+$")
_EVERY_TAIL = re.compile(r"(?i)\b(?:every|each)\s+$")
_RANGE_GAP = re.compile(r"(?i)^\s*(?:-|–|—|to|until|till|through|thru)\s*$")
_AND_GAP = re.compile(r"(?i)^\s*(?:and|&)\s*$")
_JOIN_GAP = re.compile(r"(?i)^\s*,?\s*(?:on|at|in|from|every|each)?\s*$")
_ANCHOR = re.compile(  # used with .match() at the end of the shift
    r"\s+(?P<anchor>(?!that\b|this\b)[^.,;:!?\n]{1,60}?)(?=\s*(?:[.,;:!?\n]|$)|\s+(?:and|but"
    r"|when|because|so|then)\b)",
    re.I,
)
_CLAUSE_END = re.compile(r"[!?;\n]|\.(?=\s|$)")
_YEARLY = re.compile(rf"(?i)\b(?:{V.YEARLY_CUES})\b")
_HABIT = re.compile(rf"(?i)\b(?:{V.HABIT_CUES})\b")
_WEEKDAY_HABIT = re.compile(rf"(?i)\b(?:{V.WEEKDAY_HABIT_CUES})\b")
_FUTURE = re.compile(
    rf"(?i)(?:\b(?:{V.FUTURE_CUES})\b|'ll\b|\b(?:am|are|is|'m|'re)\s+(?:\w+\s+)?(?P<ing>\w+ing)\b)"
)
_PAST = re.compile(  # the listed words, or a subject and a regular past ("we finally moved")
    rf"(?i)\b(?:{V.PAST_CUES})\b|\b(?:i|we|he|she|they)\s+(?:just\s+|finally\s+|already\s+"
    r"|also\s+|then\s+)?\w+[^e\W]ed\b"
)


@dataclass(frozen=True)
class Found:
    """One time expression in a text, with what its clause adds."""

    start: int
    end: int
    text: str
    node: Node
    prep: str = ""  # the preposition before it: since, before, in, ...
    tense: str | None = None  # future | past, when the clause says

    @property
    def recurring(self) -> bool:
        return isinstance(self.node, Every)


@lru_cache(maxsize=4)
def grammar(forms: bool = False) -> Grammar:
    """English for text; English and the other languages' month names for form values."""
    return Grammar((V.ENGLISH, V.OTHERS) if forms else (V.ENGLISH,))


def scan(text: str, *, forms: bool = False, context: bool = True) -> list[Found]:
    """Every time expression in `text`, left to right."""
    if not text:
        return []
    rules = grammar(forms).candidates(text)
    # (start, end, where the words proper start after a leading preposition, rule order, node)
    candidates: list[tuple[int, int, int, int, Node]] = []
    for order, rule in enumerate(rules):
        for m in rule.pattern.finditer(text):
            node = rule.build(m, text)
            if node is not None:
                start, end = _trim(text, m.start(), m.end())
                head = _HEAD.match(text, start, end)
                core = head.end() if head and head.group("prep") else start
                candidates.append((start, end, core, order, node))
    candidates.sort(key=lambda c: (c[0] - c[1], c[3], c[0]))
    chosen: list[tuple[int, int, int, int, Node]] = []
    for c in candidates:  # longest first; a preposition may be shared ("two weeks before" ...)
        if all(c[1] <= o[2] or o[1] <= c[2] for o in chosen):
            chosen.append(c)
    chosen.sort()
    items: list[Found] = []
    for i, (start, end, core, _, node) in enumerate(chosen):
        if i and chosen[i - 1][1] > start:  # ... "before Christmas": the shift keeps "before"
            start = core
        items.append(_head(Found(start, end, text[start:end], node)))
    items = _join(text, items)
    items = [_prefix(text, item, items[i - 1].end if i else 0) for i, item in enumerate(items)]
    if context:
        items = [_in_clause(text, item) for item in items]
    return items


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Without the spaces around it, nor a full stop that ends the sentence ("on 8 September.")
    unless it belongs to the words ("5 p.m.")."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1] in " \t\n,":
        end -= 1
    if end > start and text[end - 1] == "." and not re.search(r"\.\w\.$", text[start:end]):
        end -= 1
    return start, end


def _head(item: Found) -> Found:
    """A preposition or a part word the pattern itself matched ("in 2023", "early March")."""
    head = _HEAD.match(item.text)
    if head is None:
        return item
    if head.group("part") and isinstance(item.node, Month | Year | Season):
        return replace(item, node=Part(item.node, _part(head.group("part"))))
    prep = words(head.group("prep") or "")
    if prep in ("every", "each") and isinstance(item.node, Day | Holiday | Month):
        return replace(item, node=_every_of(item.node))  # "every Easter"
    return replace(item, prep=prep)


def _part(raw: str) -> str:
    raw = words(raw)
    for word, part in (("start", "start"), ("beginning", "start"), ("middle", "mid")):
        if word in raw:
            return part
    return "end" if "end" in raw else raw


def _merge(a: Found, b: Found, node: Node, text: str) -> Found:
    return Found(a.start, b.end, text[a.start : b.end], node, a.prep, a.tense)


def _dated(node: Node) -> bool:
    return not isinstance(node, Clock | Every | Shift) or (
        isinstance(node, Shift) and node.base is not None
    )


def _day_like(node: Node) -> bool:
    if isinstance(node, Offset):
        return node.unit == "day"
    if isinstance(node, Holiday):
        return node.days == 1
    if isinstance(node, Shift):
        return node.unit == "day" or node.unit.startswith("wd")
    return isinstance(node, Day | Weekday | NthWeekday)


def _join(text: str, items: list[Found]) -> list[Found]:
    """Neighbours that are one expression: shifts and their base, times and their day, ranges,
    rules and their day or time."""
    out: list[Found] = []
    for item in items:
        prev = out[-1] if out else None
        gap = text[prev.end : item.start] if prev else ""
        joined = _pair(text, prev, item, gap) if prev else None
        if joined is not None:
            out[-1] = joined
        else:
            out.append(item)
    return [_anchored(text, item) for item in out]


def _pair(text: str, a: Found, b: Found, gap: str) -> Found | None:
    x, y = a.node, b.node
    if isinstance(x, Shift) and x.base is None and not gap.strip() and _dated(y):
        return _merge(a, b, replace(x, base=y), text)
    close = len(gap) <= 12 and not re.search(r"[.!?;\n]", gap)
    if isinstance(x, Clock) and close and _day_like(y) and not isinstance(y, Every):
        return _merge(a, b, Timed(y, x), text)
    if isinstance(y, Clock) and close and _day_like(x):
        return _merge(a, b, Timed(x, y), text)
    if isinstance(x, Every) and isinstance(y, Clock) and close:
        return _merge(a, b, replace(x, rule=replace(x.rule, at=y.at, until=y.until)), text)
    if isinstance(y, Every) and isinstance(x, Clock) and close:
        return _merge(a, b, replace(y, rule=replace(y.rule, at=x.at, until=x.until)), text)
    if _JOIN_GAP.match(gap):
        rule = _yearly_rule(x, y) or _yearly_rule(y, x)
        if rule is not None:
            return _merge(a, b, rule, text)
    if _RANGE_GAP.match(gap) and _dated(x) and _dated(y) and not isinstance(x, Clock):
        return _merge(a, b, Between(x, y), text)
    if _AND_GAP.match(gap) and _dated(x) and _dated(y):
        head = _PREP_TAIL.search(text, max(0, a.start - 12), a.start)
        between = a.prep == "between" or (head is not None and words(head["prep"]) == "between")
        if between or (isinstance(x, Year) and isinstance(y, Year)):
            return _merge(a, b, Between(x, y), text)
    return None


def _yearly_rule(x: Node, y: Node) -> Every | None:
    """ "every year" beside "on 14 February": one yearly date."""
    if not (isinstance(x, Every) and x.rule.freq == "yearly" and x.rule.season is None):
        return None
    if isinstance(y, Day) and y.month is not None:
        return Every(replace(x.rule, month=y.month, day=y.day, since_year=y.year), base=y)
    if isinstance(y, Month):
        return Every(replace(x.rule, month=y.month), base=y)
    return None


def _anchored(text: str, item: Found) -> Found:
    """A shift with no date after it: relative to what follows ("the week after the party")
    when words follow, else to what the text named before ("two days later")."""
    node = item.node
    if not isinstance(node, Shift) or node.base is not None:
        return item
    plain = re.search(r"(?i)(?:before|after|prior\s+to|following)$", item.text)
    if not plain:
        return item
    following = _ANCHOR.match(text, item.end)
    if following is None:
        return item
    return replace(item, node=replace(node, anchor=following.group("anchor").strip()))


def _prefix(text: str, item: Found, floor: int) -> Found:
    """Words just before an expression that belong to it: "early", "the week of", "every",
    and the preposition ("since March")."""
    for _ in range(3):
        before = text[max(floor, item.start - 40) : item.start]
        node = item.node
        m = _PART_TAIL.search(before)
        if m and isinstance(node, Month | Year | Season | Offset | Day | Holiday):
            node = Part(node, _part(m.group("part")))
        elif (m := _WEEK_OF_TAIL.search(before)) and _dated(node):
            node = WeekOf(node, words(m.group("unit")))
        elif (m := _EVERY_TAIL.search(before)) and isinstance(node, Day | Holiday | Month):
            node = _every_of(node)
        elif not item.prep and (m := _PREP_TAIL.search(before)):
            prep = words(m.group("prep"))
            start = item.start - len(before) + m.start()
            return Found(start, item.end, text[start : item.end], node, prep, item.tense)
        else:
            return item
        start = item.start - len(before) + m.start()
        item = Found(start, item.end, text[start : item.end], node, item.prep, item.tense)
    return item


def _every_of(node: Day | Holiday | Month) -> Every:
    if isinstance(node, Day) and node.month is not None:
        return Every(Recurrence("yearly", month=node.month, day=node.day), base=node)
    if isinstance(node, Day):
        return Every(Recurrence("monthly", day=node.day))
    if isinstance(node, Month):
        return Every(Recurrence("yearly", month=node.month), base=node)
    fixed = V.FIXED_HOLIDAYS.get(node.name) if node.days == 1 else None
    month, day = fixed or (None, None)  # Easter moves: the rule is its name
    return Every(Recurrence("yearly", month=month, day=day, cue=node.name), base=node)


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    left = 0
    for m in _CLAUSE_END.finditer(text, 0, start):
        left = m.end()
    right = _CLAUSE_END.search(text, end)
    return left, right.start() if right else len(text)


def _in_clause(text: str, item: Found) -> Found:
    """What the clause adds: a yearly date, a weekly rule, the tense."""
    left, right = _clause(text, item.start, item.end)
    around = text[left : item.start] + " " + text[item.end : right]
    found = _read_clause(item, around, text[left:right])
    clock = item.node.clock if isinstance(item.node, Timed) else None
    if clock is not None and isinstance(found.node, Every) and found.node.rule.at is None:
        rule = replace(found.node.rule, at=clock.at, until=clock.until)
        return replace(found, node=replace(found.node, rule=rule))
    return found


def _read_clause(item: Found, around: str, clause: str) -> Found:
    node = item.node.base if isinstance(item.node, Timed) else item.node
    if isinstance(node, Day | Month) and _YEARLY.search(around):
        cue = words(_YEARLY.search(around).group(0))  # type: ignore[union-attr]
        rule = (
            Recurrence("yearly", month=node.month, day=node.day, since_year=node.year, cue=cue)
            if isinstance(node, Day) and node.month is not None
            else Recurrence("yearly", month=node.month, cue=cue)
            if isinstance(node, Month) and node.which is None
            else None
        )
        if rule is not None:
            return replace(item, node=Every(rule, base=node), tense=None)
    if isinstance(node, Every) and isinstance(node.base, Weekday) and not _HABIT.search(around):
        days = node.rule.weekdays  # "from Monday to Friday", said of one week
        first, last = days[0], days[-1]
        if len(days) < 7 and node.base.weekday != first:
            first, last = node.base.weekday, (node.base.weekday + len(days) - 1) % 7
        one_off = Between(Weekday(first, "on"), Weekday(last, "on"))
        return replace(item, node=one_off, tense=_tense(around))
    if isinstance(node, Weekday) and node.which == "on" and _WEEKDAY_HABIT.search(clause):
        return replace(item, node=Every(Recurrence("weekly", weekdays=(node.weekday,))))
    tense = _tense(around)
    if tense is None and item.prep in ("by", "before", "until", "till", "til"):
        tense = "future"  # a deadline: "press Submit before Friday 5pm"
    return replace(item, tense=tense)


def _tense(around: str) -> str | None:
    future = any(
        not m.group("ing") or m.group("ing").lower() not in V.ING_ADJECTIVES
        for m in _FUTURE.finditer(around)
    )
    past = bool(_PAST.search(around))
    if future and not past:
        return "future"
    if past and not future:
        return "past"
    return None
