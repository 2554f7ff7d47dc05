"""What a form field asks for: from its HTML autocomplete token, name, label, placeholder, type.

Keys are the HTML autocomplete field names (`email`, `given-name`, `postal-code`, ...) plus a few
of our own for identifiers people keep in the vault (`passport`, `iban`, `tax-id`, ...). Matching
is deterministic: the autocomplete attribute wins, then the longest known phrase in the label,
the name/id attribute, the placeholder, and finally the input type.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

# HTML autocomplete field names (WHATWG "autofill field name"), all accepted as keys.
AUTOCOMPLETE_KEYS = frozenset(
    """name honorific-prefix given-name additional-name family-name honorific-suffix nickname
    username new-password current-password one-time-code organization-title organization
    street-address address-line1 address-line2 address-line3 address-level4 address-level3
    address-level2 address-level1 country country-name postal-code cc-name cc-given-name
    cc-additional-name cc-family-name cc-number cc-exp cc-exp-month cc-exp-year cc-csc cc-type
    transaction-currency transaction-amount language bday bday-day bday-month bday-year sex url
    photo tel tel-country-code tel-national tel-area-code tel-local tel-extension email impp
    """.split()
)
# Keys of our own, for things forms ask that HTML has no token for.
EXTRA_KEYS = frozenset(
    "password passport national-id tax-id iban driving-licence bio pronouns nationality".split()
)
KNOWN_KEYS = AUTOCOMPLETE_KEYS | EXTRA_KEYS
ALIASES = {"new-password": "password", "current-password": "password"}

_SECTION_WORDS = frozenset({"shipping", "billing"})
_CONTACT_WORDS = frozenset({"home", "work", "mobile", "fax", "pager"})

# Phrases (normalised: lower case, no accents, single spaces) that name a key. The longest
# phrase found in a label wins, so "email address" beats "address".
PHRASES: dict[str, tuple[str, ...]] = {
    "name": (
        "name", "full name", "your name", "contact name", "name and surname", "first and last "
        "name", "nombre completo", "nome completo", "nom complet", "vollstandiger name",
    ),
    "given-name": (
        "first name", "given name", "forename", "firstname", "fname", "vorname", "prenom",
        "nombre", "primeiro nome",
    ),
    "additional-name": ("middle name", "middle names", "middle initial", "segundo nome"),
    "family-name": (
        "last name", "surname", "family name", "lastname", "lname", "nachname", "nom",
        "nom de famille", "apellido", "apellidos", "apelido", "sobrenome", "ultimo nome",
    ),
    "honorific-prefix": ("salutation", "name prefix", "anrede", "civilite", "tratamiento"),
    "nickname": ("nickname", "display name", "preferred name", "alcunha"),
    "email": (
        "email", "e mail", "email address", "e mail address", "mail", "correo", "correo "
        "electronico", "courriel", "adresse e mail", "endereco de email", "e mail adresse",
    ),
    "tel": (
        "phone", "telephone", "phone number", "telephone number", "mobile", "mobile number",
        "mobile phone", "cell", "cell phone", "cellphone", "contact number", "tel", "telefon",
        "telefone", "telefono", "telemovel", "celular", "handy", "numero de telephone",
    ),
    "street-address": (
        "address", "street address", "postal address", "mailing address", "home address",
        "shipping address", "billing address", "delivery address", "adresse", "direccion",
        "morada", "endereco", "anschrift",
    ),
    "address-line1": (
        "address line 1", "address 1", "address1", "street", "street and number", "strasse",
        "strasse und hausnummer", "rua", "calle", "line 1",
    ),
    "address-line2": (
        "address line 2", "address 2", "address2", "apartment", "apt", "suite", "unit",
        "flat", "apartment suite etc", "line 2", "complemento", "adresszusatz",
    ),
    "address-level2": (
        "city", "town", "town city", "city town", "locality", "ort", "stadt", "ville", "ciudad",
        "cidade", "localidade", "localidad",
    ),
    "address-level1": (
        "state", "province", "region", "county", "state province", "state province region",
        "bundesland", "estado", "provincia", "distrito",
    ),
    "postal-code": (
        "postal code", "postcode", "post code", "zip", "zip code", "zipcode", "postal", "plz",
        "postleitzahl", "code postal", "codigo postal", "cep", "cp",
    ),
    "country": ("country", "country region", "land", "pays", "pais", "country of residence"),
    "bday": (
        "birthday", "date of birth", "birth date", "birthdate", "dob", "born", "geburtsdatum",
        "date de naissance", "fecha de nacimiento", "data de nascimento",
    ),
    "bday-day": ("birth day", "day of birth"),
    "bday-month": ("birth month", "month of birth"),
    "bday-year": ("birth year", "year of birth"),
    "organization": (
        "company", "company name", "organization", "organisation", "employer", "business name",
        "firma", "unternehmen", "societe", "entreprise", "empresa", "organizacao",
    ),
    "organization-title": (
        "job title", "position", "role", "occupation", "profession", "job", "cargo",
        "beruf", "poste", "puesto",
    ),
    "username": ("username", "user name", "login", "user id", "userid", "handle", "benutzername"),
    "password": ("password", "passphrase", "passwort", "mot de passe", "contrasena", "senha"),
    "url": ("website", "web site", "homepage", "url", "personal website", "site", "webseite"),
    "sex": ("gender", "sex", "geschlecht", "sexe", "sexo", "genero"),
    "language": ("language", "preferred language", "sprache", "langue", "idioma", "lingua"),
    "cc-name": ("name on card", "cardholder name", "cardholder", "card holder"),
    "cc-number": ("card number", "credit card number", "credit card", "debit card number"),
    "cc-exp": ("expiry", "expiry date", "expiration", "expiration date", "exp date", "valid thru"),
    "cc-csc": ("cvv", "cvc", "cvv2", "security code", "card verification code"),
    "passport": ("passport", "passport number", "passport no", "passport id"),
    "national-id": (
        "national id", "id number", "identity card", "id card number", "citizen card",
        "cartao de cidadao", "dni", "personalausweis", "carte d identite",
    ),
    "tax-id": (
        "tax id", "tax number", "vat number", "vat id", "tin", "nif", "nie", "ssn",
        "social security number", "steuernummer", "numero fiscal", "codice fiscale",
    ),
    "iban": ("iban", "bank account", "account number", "bank account number"),
    "driving-licence": ("driving licence", "driver license", "drivers license", "licence number"),
    "bio": ("bio", "about you", "about me", "tell us about yourself", "short bio", "biography"),
    "pronouns": ("pronouns", "your pronouns"),
    "nationality": ("nationality", "citizenship", "nacionalidade", "nacionalidad"),
}  # fmt: skip

_PHRASE_TO_KEY: dict[str, str] = {}
for _key, _phrases in PHRASES.items():
    for _phrase in _phrases:
        _PHRASE_TO_KEY.setdefault(_phrase, _key)
_LONGEST_PHRASE = max(len(p.split()) for p in _PHRASE_TO_KEY)

_TYPE_KEYS = {"email": "email", "tel": "tel", "url": "url", "password": "password"}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def normalise(text: str, *, camel: bool = False) -> str:
    """Lower case, accents and punctuation gone, snake_case (and with `camel`, camelCase, as
    in name attributes; not in labels, where it would split 'GitHub') split into words."""
    text = _CAMEL.sub(" ", text or "") if camel else text or ""
    text = unicodedata.normalize("NFKD", text.casefold())  # casefold: ß -> ss
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", text)  # address1 -> address 1
    return " ".join(text.split())


@dataclass(frozen=True)
class FieldSpec:
    """One form field as a page (or a person typing a label) describes it."""

    label: str = ""
    name: str = ""
    type: str = ""
    placeholder: str = ""
    autocomplete: str = ""

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> FieldSpec:
        return cls(**{k: str(raw.get(k) or "")[:300] for k in cls.__dataclass_fields__})

    @property
    def text(self) -> str:
        """The words a person would read for this field."""
        shown = " ".join(p for p in (self.label, self.placeholder) if p.strip())
        return shown or normalise(self.name, camel=True)


@dataclass(frozen=True)
class FieldMatch:
    """What a field asks for. `key` is None when it is free text (answered by search)."""

    key: str | None
    confidence: float
    via: str  # autocomplete | label | name | placeholder | type | none
    qualifiers: frozenset[str] = field(default_factory=frozenset)
    words: str = ""  # the normalised label words, for vault and search matching


def parse_autocomplete(value: str) -> tuple[str | None, frozenset[str]]:
    """The field name and qualifiers of an autocomplete attribute ('section-x shipping tel')."""
    tokens = value.lower().split()
    if not tokens or tokens[-1] in ("on", "off"):
        return None, frozenset()
    key = tokens[-1]
    if key == "webauthn" and len(tokens) > 1:  # "username webauthn"
        key, tokens = tokens[-2], tokens[:-1]
    if key not in AUTOCOMPLETE_KEYS:
        return None, frozenset()
    qualifiers = frozenset(t for t in tokens[:-1] if t in _SECTION_WORDS | _CONTACT_WORDS)
    return ALIASES.get(key, key), qualifiers


# Words that carry no meaning in a label ("Please enter your e-mail").
_FILLER = frozenset(
    """a an the your you my our of for is are what whats which do does this that to here please
    enter type provide give optional required write in and or s e g eg ex""".split()
)
# Words that say which one, not what: "Home address" is an address.
_QUALIFIERS = frozenset(
    """home work mobile personal private business office shipping billing primary main current
    new""".split()
)


def phrase_key(text: str, *, camel: bool = False, strict: bool = False) -> tuple[str | None, float]:
    """The key of the longest known phrase in `text`, and the share of the label's meaningful
    words it covers (`strict`: qualifiers such as 'home' or 'work' do not count as words)."""
    words = normalise(text, camel=camel).split()
    ignored = _FILLER | (_QUALIFIERS if strict else frozenset())
    content = {w for w in words if w not in ignored} or set(words)
    best: tuple[str | None, int, int] = (None, 0, 0)  # key, length, -position
    for size in range(min(_LONGEST_PHRASE, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            key = _PHRASE_TO_KEY.get(" ".join(words[start : start + size]))
            if key and (size, -start) > (best[1], best[2]):
                best = (key, size, -start)
        if best[0]:
            break
    if best[0] is None:
        return None, 0.0
    phrase = set(words[-best[2] : -best[2] + best[1]])
    return best[0], len(phrase & content) / len(content)


def qualifiers_in(text: str) -> frozenset[str]:
    words = set(normalise(text).split())
    found = words & (_SECTION_WORDS | _CONTACT_WORDS)
    if "business" in words or "office" in words:
        found.add("work")
    if words & {"personal", "private"}:
        found.add("home")
    if words & {"cell", "cellphone"}:
        found.add("mobile")
    return frozenset(found)


def map_field(spec: FieldSpec) -> FieldMatch:
    """Decide what a field asks for, most reliable evidence first."""
    words = normalise(spec.text)
    key, qualifiers = parse_autocomplete(spec.autocomplete)
    if key:
        extra = qualifiers_in(f"{spec.label} {spec.placeholder}")
        return FieldMatch(key, 1.0, "autocomplete", qualifiers | extra, words)
    qualifiers = qualifiers_in(
        f"{spec.label} {spec.placeholder} {normalise(spec.name, camel=True)}"
    )
    for source, text, confidence in (
        ("label", spec.label, 0.9),
        ("name", spec.name, 0.8),
        ("placeholder", spec.placeholder, 0.7),
    ):
        if not text.strip():
            continue
        key, coverage = phrase_key(text, camel=source == "name")
        # A phrase lost in a long label ("Why do you want this role?") is weak evidence;
        # name attributes are terse identifiers, so any known phrase in them counts.
        weak = coverage < 0.5 or (coverage < 1.0 and "?" in text)
        if key and (source == "name" or not weak):
            return FieldMatch(key, confidence, source, qualifiers, words)
    key = _TYPE_KEYS.get(spec.type.lower().strip())
    if key:
        return FieldMatch(key, 0.6, "type", qualifiers, words)
    return FieldMatch(None, 0.0, "none", qualifiers, words)


def map_label(text: str) -> str | None:
    """The key a memory's own label names ('Work e-mail', 'My phone number' -> a key), strictly:
    every meaningful word must belong to the phrase, so 'Ana (e-mail)' names nothing of ours."""
    key, coverage = phrase_key(text, strict=True)
    return key if key and coverage >= 1.0 else None
