"""The words the reader knows: closed classes of English, relation nouns, slot nouns, and an
open-class lexicon (LemmInflect, from the NIH SPECIALIST Lexicon) for verbs and known words.

Closed classes (pronouns, copulas, prepositions) and the few semantic fields the reader files
facts under (kinship and work relations, pets, contact slots) are small and stable; everything
else (is this word a verb? is it past tense? is it an English word at all, or a name?) comes
from the lexicon, so the rules do not depend on which words a chat happens to use.
"""

from __future__ import annotations

from functools import lru_cache

SUBJECT_PRONOUNS = frozenset({"i", "we", "you", "he", "she", "they", "it"})
CONTRACTED_SUBJECTS = {
    "i'm": ("i", "am"),
    "i've": ("i", "have"),
    "i'd": ("i", "would"),
    "i'll": ("i", "will"),
    "im": ("i", "am"),
    "ive": ("i", "have"),
    "we're": ("we", "are"),
    "we've": ("we", "have"),
    "we'll": ("we", "will"),
    "we'd": ("we", "would"),
    "you're": ("you", "are"),
    "you've": ("you", "have"),
    "you'll": ("you", "will"),
    "he's": ("he", "is"),
    "she's": ("she", "is"),
    "it's": ("it", "is"),
    "its": ("it", "is"),
    "they're": ("they", "are"),
    "they've": ("they", "have"),
    "he'll": ("he", "will"),
    "she'll": ("she", "will"),
    "that's": ("that", "is"),
    "there's": ("there", "is"),
    "it'll": ("it", "will"),
    "it'd": ("it", "would"),
    "he'd": ("he", "would"),
    "she'd": ("she", "would"),
    "they'd": ("they", "would"),
    "they'll": ("they", "will"),
    "you'd": ("you", "would"),
    "that'll": ("that", "will"),
    "that'd": ("that", "would"),
    "here's": ("here", "is"),
    "what's": ("what", "is"),
    "who's": ("who", "is"),
    "where's": ("where", "is"),
    "how's": ("how", "is"),
    "let's": ("we", "let"),
}
POSSESSIVES = {"my": "self", "our": "self", "his": "m", "her": "f", "their": "they", "your": "you"}
OBJECT_PRONOUNS = frozenset({"me", "us", "him", "her", "them", "it", "you"})
DETERMINERS = frozenset(
    {"the", "a", "an", "this", "that", "these", "those", "some", "any", "every", "each", "no"}
)
COPULAS = frozenset({"is", "are", "was", "were", "am", "'s", "'re", "'m", "be", "been", "="})
AUXILIARIES = frozenset(
    """has have had do does did will would can could shall should may might must 'll 've 'd
    won't can't cannot don't doesn't didn't isn't aren't wasn't weren't haven't hasn't hadn't
    couldn't wouldn't shouldn't wont cant dont doesnt didnt isnt arent wasnt havent""".split()
)
NEGATIONS = frozenset(
    """not no never n't won't can't cannot don't doesn't didn't isn't aren't wasn't weren't
    haven't hasn't couldn't wouldn't shouldn't wont cant dont doesnt didnt isnt arent""".split()
)
PREPOSITIONS = frozenset(
    """in on at to from for with by of about under over into onto after before until till til
    near since during via per w without through across behind between inside outside""".split()
)
CONJUNCTIONS = frozenset({"and", "but", "or", "so", "then", "because", "while", "when", "if"})
# Words that open a clause but carry no content: greetings, discourse markers, fillers.
DISCOURSE = frozenset(
    """actually also anyway anyways btw oh ok okay well hi hello hey hei hiya yes yeah yep no
    nope great amazing brilliant cool nice sure thanks right lol haha wow ah so and but
    fyi ps just saved basically honestly""".split()
)
FUTURE_AUX = frozenset({"will", "'ll", "shall", "gonna"})
PAST_AUX = frozenset({"was", "were", "did", "had", "didn't", "wasn't", "weren't", "hadn't"})

# Relation nouns: what a person or pet is to the speaker. Value: (canonical, kind, gender).
_FAMILY = {
    "mother": ("mother", "f"),
    "mum": ("mother", "f"),
    "mom": ("mother", "f"),
    "mam": ("mother", "f"),
    "mama": ("mother", "f"),
    "father": ("father", "m"),
    "dad": ("father", "m"),
    "daddy": ("father", "m"),
    "papa": ("father", "m"),
    "sister": ("sister", "f"),
    "brother": ("brother", "m"),
    "son": ("son", "m"),
    "daughter": ("daughter", "f"),
    "wife": ("wife", "f"),
    "husband": ("husband", "m"),
    "partner": ("partner", None),
    "girlfriend": ("girlfriend", "f"),
    "boyfriend": ("boyfriend", "m"),
    "fiance": ("fiancé", "m"),
    "fiancé": ("fiancé", "m"),
    "fiancee": ("fiancée", "f"),
    "fiancée": ("fiancée", "f"),
    "grandmother": ("grandmother", "f"),
    "grandma": ("grandmother", "f"),
    "granny": ("grandmother", "f"),
    "gran": ("grandmother", "f"),
    "nan": ("grandmother", "f"),
    "grandfather": ("grandfather", "m"),
    "grandpa": ("grandfather", "m"),
    "granddad": ("grandfather", "m"),
    "grandad": ("grandfather", "m"),
    "aunt": ("aunt", "f"),
    "auntie": ("aunt", "f"),
    "uncle": ("uncle", "m"),
    "cousin": ("cousin", None),
    "niece": ("niece", "f"),
    "nephew": ("nephew", "m"),
    "sibling": ("sibling", None),
    "twin": ("twin", None),
    "stepmother": ("stepmother", "f"),
    "stepfather": ("stepfather", "m"),
    "stepsister": ("stepsister", "f"),
    "stepbrother": ("stepbrother", "m"),
    "stepson": ("stepson", "m"),
    "stepdaughter": ("stepdaughter", "f"),
    "mother-in-law": ("mother-in-law", "f"),
    "father-in-law": ("father-in-law", "m"),
    "sister-in-law": ("sister-in-law", "f"),
    "brother-in-law": ("brother-in-law", "m"),
    "child": ("child", None),
    "kid": ("child", None),
    "baby": ("baby", None),
    "godson": ("godson", "m"),
    "goddaughter": ("goddaughter", "f"),
}
_SOCIAL = {
    w: (w, None)
    for w in """manager boss colleague coworker co-worker teammate supervisor mentor mentee
    client customer landlord tenant neighbour neighbor roommate flatmate housemate friend
    doctor dentist gp therapist coach teacher tutor lawyer accountant physio trainer
    babysitter nanny cleaner plumber electrician assistant secretary director ceo founder
    lead owner headteacher principal professor supervisor pastor vicar classmate""".split()
}
_SOCIAL["landlady"] = ("landlady", "f")
_SOCIAL["co-worker"] = ("colleague", None)
_SOCIAL["coworker"] = ("colleague", None)
PET_NOUNS = frozenset(
    """dog cat puppy pup kitten rabbit bunny hamster parrot budgie horse pony tortoise turtle
    snake lizard ferret gerbil rat mouse hen chicken goat canary cockatiel gecko iguana
    pig""".split()
)
# Words that may stand before a relation noun without changing it ("my older sister").
RELATION_MODIFIERS = frozenset(
    """little big older younger elder eldest oldest youngest new old best late ex step twin
    rescue baby half adopted""".split()
)


def relation(word: str) -> tuple[str, str, str | None] | None:
    """(canonical relation, kind, gender) for a relation noun, singular or plural."""
    low = word.lower().strip()
    for form in (low, low[:-1] if low.endswith("s") else low):
        if form in _FAMILY:
            canon, gender = _FAMILY[form]
            return canon, "person", gender
        if form in _SOCIAL:
            canon, gender = _SOCIAL[form]
            return canon, "person", gender
        if form in PET_NOUNS:
            return form, "pet", None
    return None


# Slot nouns: what a possessed noun names ("my mobile", "her bday"). Value: (slot, label).
SLOT_NOUNS: dict[str, tuple[str, str | None]] = {
    "email": ("email", None),
    "e-mail": ("email", None),
    "mail": ("email", None),
    "inbox": ("email", None),
    "phone": ("phone", None),
    "mobile": ("phone", "mobile"),
    "mob": ("phone", "mobile"),
    "cell": ("phone", "mobile"),
    "cellphone": ("phone", "mobile"),
    "tel": ("phone", None),
    "telephone": ("phone", None),
    "number": ("phone", None),
    "nr": ("phone", None),
    "no": ("phone", None),
    "address": ("address", None),
    "addr": ("address", None),
    "birthday": ("birthday", None),
    "bday": ("birthday", None),
    "b-day": ("birthday", None),
    "dob": ("birthday", None),
    "name": ("name", None),
    "nickname": ("nickname", None),
    "job": ("job", None),
    "occupation": ("job", None),
    "profession": ("job", None),
    "role": ("job", None),
    "title": ("job", None),
    "employer": ("employer", None),
    "company": ("employer", None),
    "office": ("work_location", "office"),
    "workplace": ("work_location", None),
    "hours": ("hours", None),
    "hrs": ("hours", None),
    "times": ("hours", None),
    "schedule": ("schedule", None),
    "diet": ("diet", None),
    "allergy": ("allergy", None),
    "allergies": ("allergy", None),
    "language": ("language", None),
    "languages": ("language", None),
    "website": ("url", None),
    "site": ("url", None),
    "blog": ("url", None),
}
# Nouns that qualify a slot noun ("work email", "home address", "school email").
SLOT_LABELS = frozenset(
    """work home school personal private business office uni university mobile landline
    main primary postal shipping billing delivery current new old old-""".split()
)
# Predicates that declare a value gone ("the old one is gone", "Ardfallen Road is history").
GONE_WORDS = frozenset(
    """gone dead history cancelled canceled disconnected obsolete expired defunct closed
    inactive invalid dropped""".split()
)
CHANGE_VERBS = frozenset({"move", "switch", "change", "relocate", "transfer", "update", "swap"})
RECURRING_WORDS = frozenset(
    """every each weekly daily monthly yearly annually fortnightly weekdays weekends nightly
    usually normally always mondays tuesdays wednesdays thursdays fridays saturdays
    sundays""".split()
)
WEEKDAY_ABBREV = {
    "mon": "monday",
    "tue": "tuesday",
    "tues": "tuesday",
    "wed": "wednesday",
    "thu": "thursday",
    "thur": "thursday",
    "thurs": "thursday",
    "fri": "friday",
    "sat": "saturday",
    "sun": "sunday",
}


@lru_cache(maxsize=50_000)
def analyses(word: str) -> dict[str, tuple[str, ...]]:
    """Parts of speech a word can have, with their lemmas ({} for a word the lexicon lacks)."""
    from lemminflect import getAllLemmas

    low = word.lower()
    if not low.isascii() or not low.replace("-", "").replace("'", "").isalpha():
        return {}
    return dict(getAllLemmas(low))


def is_verb(word: str) -> bool:
    return "VERB" in analyses(word) or word.lower() in COPULAS or word.lower() in AUXILIARIES


def only_verb(word: str) -> bool:
    """A word that can be nothing but a verb ("unscrew", "took")."""
    parts = analyses(word)
    return bool(parts) and set(parts) <= {"VERB", "AUX"}


def is_noun(word: str) -> bool:
    return "NOUN" in analyses(word)


def is_adjective(word: str) -> bool:
    return "ADJ" in analyses(word)


def verb_lemma(word: str) -> str | None:
    lemmas = analyses(word).get("VERB") or analyses(word).get("AUX")
    return lemmas[0] if lemmas else None


@lru_cache(maxsize=20_000)
def _inflections(lemma: str) -> dict[str, tuple[str, ...]]:
    from lemminflect import getAllInflections

    return dict(getAllInflections(lemma, upos="VERB"))


def verb_form(word: str) -> set[str]:
    """Penn tags a word can carry as a verb form: {"VBD", "VBN", "VB", "VBZ", ...}."""
    low = word.lower()
    tags: set[str] = set()
    for lemma in analyses(word).get("VERB", ()) + analyses(word).get("AUX", ()):
        inflections = _inflections(lemma)
        for tag, forms in inflections.items():
            if low in forms:
                tags.add(tag)
        if low in inflections.get("VBD", ()) and "VBN" not in inflections:
            tags.add("VBN")  # the lexicon lists a participle only where it differs
        if low == lemma:
            tags.add("VB")
    return tags


def is_past(word: str) -> bool:
    low = word.lower()
    return low in PAST_AUX or "VBD" in verb_form(word)


def is_base_verb(word: str) -> bool:
    """A verb in its bare form: what an imperative starts with ("turn", "unscrew")."""
    return bool(verb_form(word) & {"VB", "VBP"})


def known_word(word: str) -> bool:
    """An English word (closed class or in the lexicon); unknown words are likely names."""
    low = word.lower().strip("'’")
    if low in _CLOSED:
        return True
    if analyses(low):
        return True
    if low.endswith("'s") or low.endswith("’s"):
        return known_word(low[:-2])
    if "-" in low.strip("-"):
        return all(known_word(part) for part in low.split("-") if part)
    return False


_CLOSED = (
    SUBJECT_PRONOUNS
    | set(CONTRACTED_SUBJECTS)
    | set(POSSESSIVES)
    | OBJECT_PRONOUNS
    | DETERMINERS
    | COPULAS
    | AUXILIARIES
    | PREPOSITIONS
    | CONJUNCTIONS
    | DISCOURSE
    | FUTURE_AUX
    | frozenset(
        """not n't the of pls plz thx esp etc eg ie vs w/ ur u r til tho yrs hrs mins min
        yr wk wkend tmrw tmr what how why when where who whom whose which whatever here
        there wanna gonna gotta kinda sorta lemme gimme dunno""".split()
    )
    | frozenset(WEEKDAY_ABBREV)
    | frozenset(WEEKDAY_ABBREV.values())
    | frozenset(
        """january february march april may june july august september october november
        december jan feb mar apr jun jul aug sep sept oct nov dec""".split()
    )
)
