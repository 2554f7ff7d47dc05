"""Secrets out of captured text before it is stored: cards, IBANs, keys and tokens, passwords,
national ids. Each becomes a typed placeholder such as `[REDACTED:card]`.

Checks are strict where a number could be ordinary (Luhn and issuer prefixes for cards, the
mod-97 checksum for IBANs, area rules for SSNs), so dates, phone numbers, amounts and order
numbers stay. Token shapes are matched by their published prefixes; unlabeled long strings are
left alone unless a `key=`/`token:` label and high entropy say otherwise.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


def placeholder(kind: str) -> str:
    return f"[REDACTED:{kind}]"


@dataclass
class Redaction:
    text: str
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# -- checksums ------------------------------------------------------------------------------
def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _card_issuer(digits: str) -> bool:
    """Known issuer prefixes (IIN ranges) with their lengths."""
    n = len(digits)
    two, four, six = int(digits[:2]), int(digits[:4]), int(digits[:6])
    if digits[0] == "4":
        return n in (16, 19)  # Visa (13-digit Visa cards are no longer issued)
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return n == 16  # Mastercard
    if two in (34, 37):
        return n == 15  # American Express
    if four == 6011 or two == 65 or 644 <= int(digits[:3]) <= 649 or 622126 <= six <= 622925:
        return 16 <= n <= 19  # Discover
    if 3528 <= four <= 3589:
        return 16 <= n <= 19  # JCB
    if two in (36, 38, 39) or 300 <= int(digits[:3]) <= 305:
        return 14 <= n <= 19  # Diners Club
    if two == 62:
        return 16 <= n <= 19  # UnionPay
    if two in (50, 56, 57, 58, 63, 67) or two == 60:
        return 12 <= n <= 19  # Maestro and others
    return False


def iban_ok(compact: str) -> bool:
    if not 15 <= len(compact) <= 34 or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return False
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return int(number) % 97 == 1


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    if not text:
        return 0.0
    counts = Counter(text)
    size = len(text)
    return -sum(c / size * math.log2(c / size) for c in counts.values())


# -- patterns -------------------------------------------------------------------------------
_CARD = re.compile(
    r"(?<![\w+.,/-])(?:\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{1,7}|\d{4}[ -]\d{6}[ -]\d{4,5}|\d{13,19})"
    r"(?![\w.,/-]?\d)"
)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
_SSN = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")
_NINO = re.compile(
    r"\b(?![DFIQUV])[A-CEGHJ-PR-TW-Z](?![DFIOQUV])[A-NP-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"
)
_LABELLED_ID = re.compile(
    r"(?i)\b(?P<label>(?:ssn|social security(?: number| no\.?)?|passport(?: number| no\.?)?|"
    r"national id(?: number)?|tax id|nif|nie|dni|bsn|personnummer|steuer-?id)"
    r"\s*(?:[:#=]\s*)?)(?P<value>[A-Z0-9](?:[A-Z0-9.-]| (?=\d)){4,20}[A-Z0-9])"
)
_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.S
)
_TOKENS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("aws-key", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b")),
    ("github-token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})")),
    ("gitlab-token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("slack-token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("slack-webhook", re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/]+")),
    ("openai-key", re.compile(r"\bsk-(?:proj-|ant-|live-|svcacct-)?[A-Za-z0-9_-]{20,}")),
    ("stripe-key", re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}")),
    ("google-key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("bearer-token", re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/-]{20,}=*")),
)
_PASSWORD_WORDS = (
    r"password|passwd|pwd|passphrase|passcode|pin|pin code|senha|passwort|kennwort|"
    r"contraseña|contrasena|mot de passe|wachtwoord|lösenord|haslo|hasło"
)
_PASSWORD = re.compile(rf"(?i)(?P<label>\b(?:{_PASSWORD_WORDS})\s*[:=]\s*)(?P<value>\S+)")
_KEY_VALUE = re.compile(
    r"(?i)(?P<label>\b[\w.-]*(?:api[_-]?key|secret|token|credential|auth|access[_-]?key|"
    r"private[_-]?key|client[_-]?secret)[\w.-]*\b[\"']?\s*[:=]\s*[\"']?)"
    r"(?P<value>[A-Za-z0-9+/_.~-]{12,}=*)"
)
_URL_CREDENTIALS = re.compile(r"(?i)\b(?P<label>[a-z][a-z0-9+.-]*://)[^\s/:@]+:[^\s/@]+(?=@)")


def _cards(match: re.Match[str]) -> str | None:
    digits = re.sub(r"\D", "", match.group(0))
    if 12 <= len(digits) <= 19 and _card_issuer(digits) and luhn_ok(digits):
        return "card"
    return None


def _sub(
    pattern: re.Pattern[str],
    text: str,
    counts: Counter[str],
    decide: Callable[[re.Match[str]], str | None],
    keep_label: bool = False,
) -> str:
    """Replace each match that `decide` names a kind for; with `keep_label`, the match's
    `label` group stays so the text still says what was there ("Password: [REDACTED:...]")."""

    def replace(match: re.Match[str]) -> str:
        kind = decide(match)
        if kind is None:
            return match.group(0)
        counts[kind] += 1
        return (match.group("label") if keep_label else "") + placeholder(kind)

    return pattern.sub(replace, text)


def _ibans(text: str, counts: Counter[str]) -> str:
    """IBAN candidates may run into the next word ("DE89...3000 EUR"): the longest prefix
    that passes the checksum is the IBAN."""
    pieces: list[str] = []
    last = 0
    for match in _IBAN.finditer(text):
        if match.start() < last:
            continue
        candidate = match.group(0)
        for end in range(len(candidate), 14, -1):
            if candidate[end - 1] != " " and iban_ok(candidate[:end].replace(" ", "")):
                pieces.append(text[last : match.start()] + placeholder("iban"))
                counts["iban"] += 1
                last = match.start() + end
                break
    pieces.append(text[last:])
    return "".join(pieces)


def _secret_value(kind: str) -> Callable[[re.Match[str]], str | None]:
    def decide(match: re.Match[str]) -> str | None:
        value = match.group("value")
        if value.startswith("[REDACTED:"):
            return None
        if kind == "key" and (entropy(value) < 3.3 or value.isalpha() or value.isdigit()):
            return None
        return kind

    return decide


def _labelled_id(match: re.Match[str]) -> str | None:
    return "national-id" if sum(c.isdigit() for c in match.group("value")) >= 4 else None


def redact(text: str) -> Redaction:
    """`text` with every recognised secret replaced; counts by kind (never the values)."""
    counts: Counter[str] = Counter()
    if not text:
        return Redaction(text, counts)
    out = _sub(_PRIVATE_KEY, text, counts, lambda _m: "private-key")
    out = _sub(_URL_CREDENTIALS, out, counts, lambda _m: "credentials", keep_label=True)
    for kind, pattern in _TOKENS:
        out = _sub(pattern, out, counts, lambda _m, k=kind: k)
    out = _sub(_PASSWORD, out, counts, _secret_value("password"), keep_label=True)
    out = _sub(_KEY_VALUE, out, counts, _secret_value("key"), keep_label=True)
    out = _sub(_SSN, out, counts, lambda _m: "ssn")
    out = _sub(_LABELLED_ID, out, counts, _labelled_id, keep_label=True)
    out = _ibans(out, counts)
    out = _sub(_CARD, out, counts, _cards)
    out = _sub(_NINO, out, counts, lambda _m: "national-id")
    return Redaction(out, counts)


def redact_text(text: str) -> str:
    return redact(text).text
