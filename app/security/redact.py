"""The one redactor: secrets out of text before it is stored, indexed or put in a prompt.

Chat import, the memory agents, screen capture (text read by OCR, window titles and addresses)
and the prompt context all call `redact`. Each secret becomes a typed placeholder such as
`[REDACTED:card]`; a label before it stays ("Password: [REDACTED:password]") so the memory
still says what was there.

What counts as a secret: cards (issuer prefix and Luhn), IBANs and national ids (checksums from
python-stdnum), provider keys and tokens by their published prefixes, also as OCR reads them
("sk live 51Qm..." for "sk_live_51Qm..."), private key blocks, credentials in links,
`key=`/`token:` values of high entropy, and secrets said in words (`app.security.phrases`).
Numbers that could be ordinary (dates, prices, phone and order numbers, versions) must pass a
checksum or stand next to a label, so ordinary text is stored as it was written.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from stdnum import iban as _iban
from stdnum import luhn as _luhn
from stdnum.es import dni as _dni
from stdnum.es import nie as _nie
from stdnum.it import codicefiscale as _cf

from app.security.phrases import Span, phrases

PLACEHOLDER = re.compile(r"\[REDACTED:[a-z_-]+\]")


def placeholder(kind: str) -> str:
    return f"[REDACTED:{kind}]"


@dataclass(frozen=True)
class Finding:
    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class Redaction:
    text: str
    findings: tuple[Finding, ...] = ()  # spans in the text that was given, never the values

    @property
    def counts(self) -> Counter[str]:
        return Counter(f.kind for f in self.findings)

    @property
    def total(self) -> int:
        return len(self.findings)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.kind for f in self.findings))

    @property
    def found(self) -> bool:
        return bool(self.findings)


# -- checksums ------------------------------------------------------------------------------
def luhn_ok(digits: str) -> bool:
    return digits.isdigit() and _luhn.is_valid(digits)


def iban_ok(text: str) -> bool:
    """The mod-97 checksum and the country's length and format (not the bank registries of
    some countries, which go stale: a real account must not pass for ordinary text)."""
    return _iban.is_valid(text, check_country=False)


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    if not text:
        return 0.0
    size = len(text)
    return -sum(c / size * math.log2(c / size) for c in Counter(text).values())


def _card_issuer(digits: str) -> bool:
    """Known issuer prefixes (IIN ranges) with their lengths."""
    n = len(digits)
    two, three, four, six = (int(digits[:k]) for k in (2, 3, 4, 6))
    if digits[0] == "4":
        return n in (16, 19)  # Visa (13-digit Visa cards are no longer issued)
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return n == 16  # Mastercard
    if two in (34, 37):
        return n == 15  # American Express
    if four == 6011 or two == 65 or 644 <= three <= 649 or 622126 <= six <= 622925:
        return 16 <= n <= 19  # Discover
    if 3528 <= four <= 3589:
        return 16 <= n <= 19  # JCB
    if two in (36, 38, 39) or 300 <= three <= 305:
        return 14 <= n <= 19  # Diners Club
    if two == 62:
        return 16 <= n <= 19  # UnionPay
    return two in (50, 56, 57, 58, 60, 63, 67) and 12 <= n <= 19  # Maestro and others


# -- shapes ---------------------------------------------------------------------------------
# OCR loses underscores and reads them as spaces, dots or nothing ("sk live 51Qm...").
_U = r"[_ .\-]{0,2}"
# (kind, pattern, stems): a pattern runs only where one of its stems is in the lower-cased
# text, a substring test far cheaper than the pattern itself.
_TOKENS: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = (
    (
        "aws-key",
        re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b"),
        ("akia", "asia", "agpa", "aida", "aroa", "anpa"),
    ),
    ("github-token", re.compile(rf"\bgh[pousr]{_U}(?=[A-Za-z]*\d)[A-Za-z0-9]{{30,}}"), ("gh",)),
    ("github-token", re.compile(rf"\bgithub{_U}pat{_U}[A-Za-z0-9_]{{40,}}"), ("github",)),
    ("gitlab-token", re.compile(rf"\bglpat{_U}[A-Za-z0-9_-]{{20,}}"), ("glpat",)),
    ("slack-token", re.compile(r"\bxox[abposr][-–— ]{1,2}[A-Za-z0-9-]{10,}"), ("xox",)),
    (
        "slack-webhook",
        re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/]+"),
        ("hooks.slack",),
    ),
    (
        "openai-key",
        re.compile(r"\bsk-(?:proj-|ant-|live-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"),
        ("sk-",),
    ),
    (
        "stripe-key",
        re.compile(rf"\b(?:sk|rk|pk){_U}(?:live|test){_U}(?=\w*\d)[A-Za-z0-9]{{16,}}"),
        ("live", "test"),
    ),
    ("stripe-key", re.compile(rf"\bwhsec{_U}[A-Za-z0-9]{{24,}}"), ("whsec",)),
    ("google-key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}(?![\w-])"), ("aiza",)),
    (
        "huggingface-token",
        re.compile(rf"\bhf{_U}(?=[A-Za-z]*\d)[A-Za-z0-9]{{30,}}"),
        ("hf",),
    ),
    ("npm-token", re.compile(rf"\bnpm{_U}(?=[A-Za-z]*\d)[A-Za-z0-9]{{36}}\b"), ("npm",)),
    ("sendgrid-key", re.compile(r"\bSG\.[\w-]{16,32}\.[\w-]{30,50}"), ("sg.",)),
    (
        "jwt",
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.\s?eyJ[A-Za-z0-9_-]{8,}\.\s?[A-Za-z0-9_-]{8,}"),
        ("eyj",),
    ),
    ("bearer-token", re.compile(r"(?i)(?<=bearer )\s*[A-Za-z0-9._~+/-]{20,}=*"), ("bearer",)),
)
_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY( BLOCK)?-----.*?"
    r"(?:-----END [A-Z ]*PRIVATE KEY( BLOCK)?-----|\Z)",
    re.S,
)
_URL_CREDENTIALS = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://(?P<value>[^\s/:@]+:[^\s/@]+)(?=@)")
_KEY_VALUE = re.compile(
    r"(?i)(?:api[_ -]?key|secret|token|credential|auth|access[_ -]?key|"
    r"private[_ -]?key|client[_ -]?secret)[\w.-]*\b[\"']?\s*(?:[:=]|\bis\b)\s*[\"']?"
    r"(?P<value>[A-Za-z0-9+/_.~-]{8,}=*)"
)
# OCR drops a prefix it is unsure of ("sk_live_" in "Secret key sk_live_51Qm..."): a long
# random-looking value right after a key or token label is a key without one.
_LABELLED_TOKEN = re.compile(
    r"(?i)\b(?:secret|api|access|private|auth|bearer|session|refresh|publishable|restricted)"
    r"[ _-]?(?:key|token)s?\s*[:=]?\s*(?P<value>[A-Za-z0-9+/_.~-]{20,}=*)(?![\w+/=-])"
)
_CARD = re.compile(
    r"(?<![\w+.,/-])(?:\d{4}(?:\s{1,3}|-)\d{4}(?:\s{1,3}|-)\d{4}(?:\s{1,3}|-)\d{1,7}"
    r"|\d{4}(?:\s{1,3}|-)\d{6}(?:\s{1,3}|-)\d{4,5}|\d{13,19})(?![\w.,/-]?\d)"
)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
_SSN = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")
_NINO = re.compile(
    r"\b(?![DFIQUV])[A-CEGHJ-PR-TW-Z](?![DFIOQUV])[A-NP-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"
)
_DNI = re.compile(r"\b(?:\d{8}|[XYZ]\d{7})-?[A-Z]\b")
_CODICE = re.compile(r"\b[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]\b")
_DIGITS = re.compile(r"\d\D{0,3}\d\D{0,3}\d")
_ID_LABELS = (
    r"ssn|social security(?: number| no\.?)?|passport(?: number| no\.?| #)?|"
    r"national id(?: number)?|"
    r"id card(?: number)?|identity card(?: number)?|driver['’]?s? licen[cs]e(?: number| no\.?)?|"
    r"licen[cs]e number|tax id|tax number|nif|nie|dni|bsn|personnummer|steuer-?id|"
    r"steuernummer|personalausweis(?:nummer)?|reisepass(?:nummer)?|pesel|nip|cpf|rg|curp|"
    r"codice fiscale|n[uú]mero de pasaporte|n[uú]mero do passaporte|num[ée]ro de passeport|"
    r"numer paszportu|numero di passaporto|carte d['’]identit[ée]|numéro fiscal|"
    r"n[uú]mero de identifica[cç][aã]o fiscal|s[ée]curit[ée] sociale|ahv|insurance number"
)
_LABELLED_ID = re.compile(
    rf"(?i)\b(?:{_ID_LABELS})\s*(?:[:#=]\s*|\s(?:is|es|é|ist|est|to|è)\s+)?"
    r"(?P<value>[A-Z0-9](?:[A-Z0-9.-]|[ /](?=\d)){4,20}[A-Z0-9])"
)


_KEY_STEMS = ("key", "secret", "token", "credential", "auth")
_ID_STEMS = (
    "ssn", "social", "passport", "national", "id card", "identity", "licen", "tax", "nif", "nie",
    "dni", "bsn", "personnummer", "steuer", "personalausweis", "reisepass", "pesel", "nip", "cpf",
    "curp", "codice", "pasaporte", "passaporte", "passeport", "paszport", "passaporto", "carte d",
    "fiscal", "sécurité", "securite", "ahv", "insurance",
)  # fmt: skip


def _has(low: str, stems: tuple[str, ...]) -> bool:
    return any(stem in low for stem in stems)


def _tokens(text: str) -> Iterator[Span]:
    low = text.lower()
    for kind, pattern, stems in _TOKENS:
        if _has(low, stems):
            for match in pattern.finditer(text):
                yield match.start(), match.end(), kind
    if "PRIVATE KEY" in text:
        for match in _PRIVATE_KEY.finditer(text):
            yield match.start(), match.end(), "private-key"
    if "://" in text:
        for match in _URL_CREDENTIALS.finditer(text):
            yield *match.span("value"), "credentials"
    if not _has(low, _KEY_STEMS):
        return
    for match in _KEY_VALUE.finditer(text):
        value = match.group("value")
        if entropy(value) >= 3.0 and not value.isalpha() and not value.isdigit():
            yield *match.span("value"), "key"
    for match in _LABELLED_TOKEN.finditer(text):
        value = match.group("value")
        if entropy(value) >= 3.5 and re.search(r"\d", value) and re.search(r"[A-Za-z]", value):
            yield *match.span("value"), "key"


def _numbers(text: str) -> Iterator[Span]:
    if not _DIGITS.search(text):
        return
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group(0))
        if 12 <= len(digits) <= 19 and _card_issuer(digits) and luhn_ok(digits):
            yield match.start(), match.end(), "card"
    for match in _IBAN.finditer(text):
        # a candidate may run into the next word ("DE89...3000 EUR"): the longest prefix that
        # is a valid IBAN is the IBAN
        candidate = match.group(0)
        for end in range(len(candidate), 14, -1):
            if candidate[end - 1] != " " and iban_ok(candidate[:end]):
                yield match.start(), match.start() + end, "iban"
                break
    for match in _SSN.finditer(text):
        yield match.start(), match.end(), "ssn"
    for match in _NINO.finditer(text):
        yield match.start(), match.end(), "national-id"
    for pattern, module in ((_DNI, None), (_CODICE, _cf)):
        for match in pattern.finditer(text):
            value = match.group(0)
            ok = module.is_valid(value) if module else _dni.is_valid(value) or _nie.is_valid(value)
            if ok:
                yield match.start(), match.end(), "national-id"
    if not _has(text.lower(), _ID_STEMS):
        return
    for match in _LABELLED_ID.finditer(text):
        if sum(c.isdigit() for c in match.group("value")) >= 4:
            yield *match.span("value"), "national-id"


_DETECTORS = (_tokens, _numbers, phrases)
_GENERIC = ("password", "pin", "credentials", "key", "national-id")  # lose to a named kind
_ZERO_WIDTH = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")


def _merge(spans: Iterable[Span], text: str) -> list[Finding]:
    """Overlapping spans become one; the kind of the most specific finding names it."""
    merged: list[list[object]] = []
    for start, end, kind in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start >= end or PLACEHOLDER.fullmatch(text[start:end]):
            continue
        if merged and start < merged[-1][1]:  # type: ignore[operator]
            last = merged[-1]
            last[1] = max(last[1], end)  # type: ignore[call-overload]
            if last[2] in _GENERIC and kind not in _GENERIC:
                last[2] = kind
            continue
        merged.append([start, end, kind])
    return [Finding(int(s), int(e), str(k)) for s, e, k in merged]  # type: ignore[call-overload]


def _inside_placeholder(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in PLACEHOLDER.finditer(text)]


def find(text: str) -> list[Finding]:
    """Where the secrets in `text` are, in order, not overlapping."""
    if not text:
        return []
    # Zero-width characters hide labels ("pass\u200bword"): read without them, map back.
    positions: list[int] | None = None
    clean = text
    if _ZERO_WIDTH.search(text):
        positions = [i for i, c in enumerate(text) if not _ZERO_WIDTH.match(c)]
        clean = "".join(text[i] for i in positions)
    kept = _inside_placeholder(clean)
    spans = [
        span
        for detect in _DETECTORS
        for span in detect(clean)
        if not any(s <= span[0] and span[1] <= e for s, e in kept)
    ]
    findings = _merge(spans, clean)
    if positions is None:
        return findings
    positions.append(len(text))
    return [Finding(positions[f.start], positions[f.end - 1] + 1, f.kind) for f in findings]


def redact(text: str) -> Redaction:
    """`text` with every secret replaced by its placeholder; findings say where and what."""
    findings = find(text)
    if not findings:
        return Redaction(text)
    pieces: list[str] = []
    last = 0
    for finding in findings:
        pieces.append(text[last : finding.start] + placeholder(finding.kind))
        last = finding.end
    pieces.append(text[last:])
    return Redaction("".join(pieces), tuple(findings))


def redact_text(text: str) -> str:
    return redact(text).text


def has_secret(text: str) -> bool:
    return bool(find(text))


def without_placeholders(text: str) -> str:
    """Text for a derived memory: placeholders carry no information worth keeping."""
    return " ".join(PLACEHOLDER.sub(" ", text).split())


def redact_known(text: str, secrets: Iterable[str], kind: str = "vault") -> str:
    """`text` with given secrets (the vault's own values, where they appear verbatim) replaced,
    longest first, then every secret-shaped string."""
    for secret in sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, placeholder(kind))
    return redact_text(text)
