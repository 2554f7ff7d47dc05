"""What a question asks: its type (who, when, how many...), the attribute it wants (an e-mail, a
birthday, the steps of a how-to), whom it is about (the person, "my sister", "Karol"), and the
words that must match. The answer composer (`app.agents.compose`) reads memories with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.agents.claims import fold, is_word
from app.agents.text import STOPWORDS, content_words, stem, words
from app.reading.lexicon import relation

# Attribute cues, most specific first: (pattern, slot, label, expected answer type).
_ATTRIBUTES: tuple[tuple[str, str, str | None, str], ...] = (
    (r"\be-?mails?\b(?:\s+address)?|\bmail address\b|\binbox\b", "email", None, "email"),
    (r"\b(?:mobile|cell(?:phone)?)\b", "phone", "mobile", "phone"),
    (
        r"\b(?:tele)?phone\b|\bphone number\b|\b(?:my|his|her|their|'s) (?:new )?(?:nr|number)\b",
        "phone",
        None,
        "phone",
    ),
    (r"\bbirthdays?\b|\bb-?days?\b|\bborn\b|\bdate of birth\b", "birthday", None, "date"),
    (r"\baddress\b|\bpostcode\b|\bpost code\b|\bzip\b", "address", None, "any"),
    (
        r"\bwhere (?:do|does|did) \w+ (?:live|stay)\b|\blives?\b|\bliving\b",
        "lives_in",
        None,
        "place",
    ),
    (
        r"\boffice\b|\bwork(?:ing)? from\b|\bwhere (?:do|does) \w+ work\b|\bworkplace\b",
        "work_location",
        None,
        "place",
    ),
    (
        r"\bwho (?:do|does) \w+ work for\b|\bemployer\b|\bwhich company\b|\bwork(?:s)? at\b",
        "employer",
        None,
        "any",
    ),
    (
        r"\bmy job\b|\bfor a living\b|\boccupation\b|\bprofession\b|\bwork as\b|\bjob title\b",
        "job",
        None,
        "any",
    ),
    (r"\ballerg\w*|\bcan(?:'|no)?t (?:i |you )?eat\b|\bintoleran\w*", "allergy", None, "any"),
    (r"\bdiet\b|\bvegetarian\b|\bvegan\b", "diet", None, "any"),
    (r"\bfavou?rite\b", "favourite", None, "any"),
    (r"\bprefer\w*\b", "preference", None, "any"),
    (
        r"\b(?:opening )?hours\b|\bhrs\b|\bopen(?:s|ing)?\b|\bclos(?:e|es|ing)\b",
        "hours",
        None,
        "time",
    ),
    (r"\bnicknamed?\b|\bgo(?:es)? by\b", "nickname", None, "any"),
    (r"\bbreed\b", "breed", None, "any"),
    (r"\b(?:kind|sort|type) of (?:animal|pet|creature)\b", "kind", None, "any"),
    (r"\bname\b|\bcalled\b", "name", None, "any"),
)
_RESOURCE_WORDS = {
    "book": "book",
    "novel": "book",
    "film": "film",
    "movie": "film",
    "series": "series",
    "podcast": "podcast",
    "article": "article",
    "link": "link",
    "url": "link",
    "template": "spreadsheet",
    "spreadsheet": "spreadsheet",
    "document": "document",
    "doc": "document",
    "pdf": "document",
    "manual": "document",
    "file": "file",
    "page": "link",
    "paper": "document",
}
_HOW_TO = re.compile(
    r"(?i)^\s*(?:how (?:do|can|should|would|did) (?:i|we|you|one)\b|how to\b|"
    r"what (?:are|were) the steps\b|what(?:'s| is) the (?:procedure|process|way) (?:to|for)\b|"
    r"steps (?:to|for)\b)"
)
_ACTIVITY = re.compile(
    r"(?i)\bwhat (?:did|have) (?:i|we) (?:do|done|see|seen|read|watch|watched)\b|"
    r"\bwhat happened\b|\bwhat was i doing\b|\bwhat have i been\b"
)
_MONEY = re.compile(
    r"\b(?:cost|costs|price|prices|pay|paid|fee|fees|fare|fares|rent|charge|charged|spend|spent|"
    r"bill|invoice|deposit|salary|owe|owed)\b"
)
_POSSESSIVE = re.compile(r"(?i)\b([^\W\d_][\w-]*)['’]s\b(?:\s+([a-z][\w-]*))?(?:\s+([a-z][\w-]*))?")
_MY_RELATION = re.compile(r"(?i)\b(my|our|the|his|her|their)\s+([a-z][\w-]*)(?:\s+([a-z][\w-]*))?")
_SELF = re.compile(r"(?i)\b(?:i|me|my|mine|myself|i'm|i've|i'd|we|our|us)\b")
# Question words that carry no content of their own.
_QUESTION_WORDS = frozenset(
    """who whom whose what where when which why how many much long often far old tall big
    time date day year month exactly around approximately roughly kind sort type""".split()
)


@dataclass(frozen=True)
class Question:
    text: str
    kind: str  # who what where when how how_many how_much which yesno other
    attribute: str | None = None  # "email", "phone", "birthday", "lives_in", "steps", ...
    label: str | None = None  # "mobile", "work", "band" (favourite band)
    expects: str = "any"  # date time number amount person place email phone url steps any
    names: tuple[str, ...] = ()  # people, pets, places named in the question
    relation: str | None = None  # "sister", "manager", "dog" (canonical)
    owner: str | None = None  # whose relation: "self" or a name ("Karol's son")
    about_self: bool = False  # "my", "I", "me" and no one else
    resource: str | None = None  # "book", "document", ... when the question asks for one
    activity: bool = False  # "what did I do ..." (events in a period)
    focus: frozenset[str] = field(default_factory=frozenset)  # stemmed content words to match
    subject_words: frozenset[str] = field(default_factory=frozenset)  # folded names/relation
    must: frozenset[str] = field(default_factory=frozenset)  # one must be in an answer
    money: bool = False  # "how much does it cost": an amount of money

    @property
    def subject(self) -> bool:
        return bool(self.names or self.relation)


def _kind(low: str) -> tuple[str, str]:
    """The question's type and the type of answer it expects."""
    if re.match(r"\s*how many\b", low):
        return "how_many", "number"
    if re.match(r"\s*how much\b", low):
        return "how_much", "amount"
    if re.match(r"\s*how (?:long|far|tall|big|high|deep|old|heavy|wide)\b", low):
        return "how_much", "number"
    if re.match(r"\s*how often\b", low):
        return "how", "any"
    if re.search(r"\bwhat time\b|\bat what time\b|\bwhen (?:does|do|will) .* (?:open|close)", low):
        return "when", "time"
    if re.search(
        r"\b(?:when|what date|which date|what day|which day|what year|which year|"
        r"what month|which month|how long ago)\b",
        low,
    ):
        return "when", "date"
    for word, kind, expects in (
        ("who", "who", "person"),
        ("whom", "who", "person"),
        ("whose", "who", "person"),
        ("where", "where", "place"),
        ("which", "which", "any"),
        ("what", "what", "any"),
        ("how", "how", "any"),
        ("why", "other", "any"),
    ):
        if re.search(rf"\b{word}\b", low):
            return kind, expects
    if re.match(r"\s*(?:is|are|was|were|do|does|did|can|could|have|has|had|will|should)\b", low):
        return "yesno", "any"
    return "other", "any"


def _is_name(word: str, at_start: bool, lower_case: bool) -> bool:
    """A capitalised word inside the question (or opening it, if no English word), or an
    unknown word in a question written all in lower case."""
    low = word.lower()
    if low in STOPWORDS or low in _QUESTION_WORDS or len(word) < 2:
        return False
    if word[0].isupper():
        return not at_start or not is_word(word)
    return lower_case and not is_word(word)


def parse_question(text: str) -> Question:
    low = text.lower().replace("’", "'")
    kind, expects = _kind(low)
    attribute = label = None
    attribute_words: set[str] = set()
    for pattern, slot, slot_label, slot_expects in _ATTRIBUTES:
        cue = re.search(pattern, low)
        if cue:
            attribute, label = slot, slot_label
            attribute_words = content_words(cue.group(0))
            if expects == "any" or slot in ("birthday", "hours", "email", "phone"):
                expects = slot_expects if slot_expects != "any" else expects
            break
    if attribute == "hours" and kind == "when":
        expects = "time"
    if attribute == "favourite":
        after = re.search(r"favou?rite\s+([a-z][\w-]*)", low)
        label = after.group(1) if after else None
    if _HOW_TO.match(low) and attribute in (None, "name"):
        attribute, expects, kind = "steps", "steps", "how"
    resource = None
    for word in words(low):
        if word in _RESOURCE_WORDS and attribute in (None, "name"):
            resource = _RESOURCE_WORDS[word]
            break
    # Who it is about: names, "X's", "my sister".
    names: list[str] = []
    owner = None
    rel = None
    lower_case = text == text.lower()
    for match in re.finditer(r"[^\W\d_][\w'’-]*", text):
        word = re.sub(r"['’]s$", "", match.group(0))
        start = match.start() == len(text) - len(text.lstrip())
        if _is_name(word, start, lower_case) and relation(word) is None and word not in names:
            names.append(word)
    for match in _POSSESSIVE.finditer(text):
        whose = match.group(1)
        for candidate in (match.group(2), match.group(3)):
            found = relation(candidate) if candidate else None
            if found is not None:  # "Karol's son", "my brother's wife": the last one is asked
                rel, owner = found[0], whose
                break
        if rel:
            break
    for match in _MY_RELATION.finditer(low):
        if rel:
            break
        for candidate in (match.group(2), match.group(3)):
            found = relation(candidate) if candidate else None
            if found is not None:
                rel = found[0]
                owner = "self" if match.group(1) in ("my", "our") else None
                break
    about_self = bool(_SELF.search(low)) and not names and rel is None
    subject_words = {fold(n) for n in names}
    if rel:
        subject_words.add(rel)
    # The words of the question phrase itself ("what time", "how long", "which year") are not
    # content; the same words elsewhere are ("the monthly rent", "a long walk").
    lead = re.match(
        r"(?i)\s*(?:(?:at|in|on|from|by|until) )?(?:what|which|how|when|where|who|whose)"
        r"(?:\s+(?:" + "|".join(sorted(_QUESTION_WORDS, key=len, reverse=True)) + r"))*\b",
        text,
    )
    noise = content_words(lead.group(0)) if lead else set()
    focus = {w for w in content_words(text) if w not in noise}
    # What a statement must share with the question: not the subject (matched by name), not
    # the attribute (matched by slot: "mobile number" is the phone field).
    subject_stems = {stem(fold(n)) for n in names} | {stem(w) for w in subject_words}
    subject_stems |= {stem(w) for w in words(low.replace("'s", "")) if relation(w)}
    must = focus - subject_stems - attribute_words
    return Question(
        text=text,
        kind=kind,
        attribute=attribute,
        label=label,
        expects=expects,
        names=tuple(names),
        relation=rel,
        owner=owner,
        about_self=about_self,
        resource=resource,
        activity=bool(_ACTIVITY.search(low)),
        focus=frozenset(focus),
        subject_words=frozenset(subject_words),
        must=frozenset(must),
        money=kind == "how_much" and bool(_MONEY.search(low)),
    )
