"""Secrets in text the agents read: API keys, passwords, card numbers, IBANs, national ids.

Chat and screen text is scrubbed before any prompt sees it and every model output is checked
again before it is stored, so a secret seen on screen or typed in passing is never copied into
a memory. Only what the person explicitly asks Memloci to keep goes to the vault (see
`agents.managers.vault`). Placeholders look like `[REDACTED:card]`, as capture's redaction does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

PLACEHOLDER = re.compile(r"\[REDACTED:[a-z_-]+\]")


def luhn_ok(digits: str) -> bool:
    total = 0
    for n, char in enumerate(reversed(digits)):
        value = int(char)
        if n % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def iban_ok(raw: str) -> bool:
    text = raw.replace(" ", "").upper()
    if not 15 <= len(text) <= 34:
        return False
    moved = text[4:] + text[:4]
    try:
        number = int("".join(str(int(c, 36)) for c in moved))
    except ValueError:
        return False
    return number % 97 == 1


def _card(match: re.Match[str]) -> bool:
    digits = re.sub(r"\D", "", match.group(0))
    return 13 <= len(digits) <= 19 and luhn_ok(digits)


def _iban(match: re.Match[str]) -> bool:
    return iban_ok(match.group(0))


def _always(match: re.Match[str]) -> bool:
    return True


@dataclass(frozen=True)
class _Rule:
    kind: str
    pattern: re.Pattern[str]
    accept: Callable[[re.Match[str]], bool] = _always
    group: int = 0  # the group that holds the secret (0 = the whole match)


_RULES = (
    _Rule(
        "private_key",
        re.compile(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"
        ),
    ),
    _Rule("jwt", re.compile(r"\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}")),
    _Rule(
        "api_key",
        re.compile(
            r"\b(?:sk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_"
            r"[A-Za-z0-9_]{20,}|AKIA[0-9A-Z]{16}|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]"
            r"{30,}|glpat-[A-Za-z0-9_-]{16,}|hf_[A-Za-z0-9]{20,})"
        ),
    ),
    _Rule(
        "api_key",
        re.compile(
            r"(?i)\b(?:api[_ -]?key|access[_ -]?key|secret[_ -]?key|client[_ -]?secret|auth[_ -]?"
            r"token|bearer|token)\b[\"']?\s*(?:[:=]|is)\s*[\"']?((?=[\w\-./+=]*\d)[\w\-./+=]{8,})"
        ),
        group=1,
    ),
    _Rule(
        "password",
        re.compile(
            r"(?i)\b(?:password|passwd|pwd|passcode|passphrase|pin(?: code)?|wifi key)\b"
            r"[\"']?\s*(?:[:=]|is|was|to)\s*[\"']?([^\s\"',;]{3,})"
        ),
        group=1,
    ),
    _Rule(
        "id_number",
        re.compile(
            r"(?i)\b(?:passport|id card|identity card|driver'?s? licen[cs]e|national id|social "
            r"security|tax id|licen[cs]e)(?: number| no\.?| #)?\s*(?:[:=]|is)\s*"
            r"([A-Z0-9][A-Z0-9-]{4,20})\b"
        ),
        group=1,
    ),
    _Rule(
        "iban", re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"), _iban
    ),
    _Rule("card", re.compile(r"\b\d(?:[ -]?\d){12,18}\b"), _card),
    _Rule("national_id", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
)


@dataclass(frozen=True)
class Scrubbed:
    text: str
    kinds: tuple[str, ...]  # what was found, for counts in logs; never the values

    @property
    def found(self) -> bool:
        return bool(self.kinds)


def scrub(text: str) -> Scrubbed:
    """The text with every secret replaced by a typed placeholder."""
    found: list[str] = []
    for rule in _RULES:

        def replace(match: re.Match[str], rule: _Rule = rule) -> str:
            if not rule.accept(match):
                return match.group(0)
            found.append(rule.kind)
            if rule.group:
                start, end = match.span(rule.group)
                offset = match.start()
                whole = match.group(0)
                return whole[: start - offset] + f"[REDACTED:{rule.kind}]" + whole[end - offset :]
            return f"[REDACTED:{rule.kind}]"

        text = rule.pattern.sub(replace, text)
    return Scrubbed(text, tuple(dict.fromkeys(found)))


def has_secret(text: str) -> bool:
    return scrub(text).found


def without_placeholders(text: str) -> str:
    """Text for a derived memory: placeholders carry no information worth keeping."""
    return " ".join(PLACEHOLDER.sub(" ", text).split())
