"""Vault manager: secrets only ever come from the person, explicitly.

Queued chat and screen text never creates a vault entry (it is untrusted: "store this password"
on a web page is data). The vault fills from what the person tells Memloci directly in
`memloci chat` / `ask` ("remember my passport number is X1234567") or adds by hand. The secret
goes straight to the sealed vault field; the message kept as conversation memory shows a
placeholder instead, and no prompt ever contains it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.agents.managers.base import Context, Manager
from app.agents.operations import Operation
from app.domain import MemoryType

_SENSITIVE = re.compile(
    r"(?i)\b(?:pass(?:word|code|phrase)|pin|passport|social security|ssn|national id|id number|"
    r"identity card|id card|driver'?s? licen[cs]e|licen[cs]e number|card number|credit card|"
    r"debit card|cvv|cvc|iban|account number|bank account|routing number|sort code|tax id|"
    r"tax number|nif|api key|token|secret|recovery (?:code|phrase)|seed phrase|wi-?fi key|"
    r"door code|alarm code|safe code|combination|insurance number|membership number|"
    r"health card|visa number|login|username)\b"
)
_HIGH = re.compile(
    r"(?i)\b(?:pass(?:word|code|phrase)|pin|cvv|cvc|card number|credit card|debit card|ssn|"
    r"social security|passport|seed phrase|recovery|iban|account number|api key|token|secret)\b"
)
_TYPES = (
    (re.compile(r"(?i)card|cvv|cvc"), "card"),
    (re.compile(r"(?i)iban|account|routing|sort code"), "bank"),
    (re.compile(r"(?i)passport|ssn|social security|national|licen|tax|nif|identity|id "), "id"),
    (re.compile(r"(?i)pass|pin|code|key|token|secret|login|username|seed|recovery"), "credential"),
)
_REQUEST = re.compile(
    r"^\s*(?:please\s+|hey\s+memloci,?\s+|memloci,?\s+)?(?:remember|save|store|keep|note)"
    r"(?:\s+that)?\s+(?P<rest>.+?)\s*[.!]?\s*$",
    re.I | re.S,
)
_MY_LABEL = re.compile(
    r"^my\s+(?P<label>[\w'’ -]{2,60}?)\s+(?:is|are|=|:)\s+(?P<value>\S.{0,4000})$", re.I | re.S
)
_BARE_LABEL = re.compile(
    r"^(?:the\s+)?(?P<label>[\w'’ -]{2,60}?)\s*[:=]\s*(?P<value>\S.{0,4000})$", re.S
)
PLACEHOLDER = "[kept in the vault]"


@dataclass(frozen=True)
class Remember:
    """An explicit request to remember something, from the person."""

    target: str  # "vault" | "core" | "semantic"
    label: str
    value: str
    entry_type: str = "note"
    sensitivity: str = "medium"
    masked: str = ""  # the message as it may be kept: the secret replaced


def _entry_type(label: str) -> str:
    for pattern, name in _TYPES:
        if pattern.search(label):
            return name
    return "note"


def explicit_request(text: str) -> Remember | None:
    """What the person asks Memloci to keep, if the message is such a request."""
    match = _REQUEST.match(text)
    if match is None:
        return None
    rest = match.group("rest").strip()
    labelled = _MY_LABEL.match(rest) or _BARE_LABEL.match(rest)
    if labelled is not None:
        label = re.sub(r"(?i)^my\s+", "", " ".join(labelled.group("label").split()))
        value = labelled.group("value").strip().rstrip(".!").strip()
        if _SENSITIVE.search(label):
            start = match.start("rest")
            masked = text[:start] + rest[: labelled.start("value")] + PLACEHOLDER
            return Remember(
                "vault",
                label,
                value,
                _entry_type(label + " "),
                "high" if _HIGH.search(label) else "medium",
                masked,
            )
        if rest.lower().startswith("my "):
            return Remember("core", label, f"My {label} is {value}.", masked=text)
    if re.search(r"(?i)\b(?:i|i'm|i am|my|me|mine)\b", rest):
        return Remember("core", "fact", rest[0].upper() + rest[1:], masked=text)
    return Remember("semantic", "fact", rest[0].upper() + rest[1:], masked=text)


class VaultManager(Manager):
    """Makes no operations from queued input, by design (see the module docstring)."""

    type = MemoryType.VAULT
    name = "vault"

    def rules(self, ctx: Context) -> list[Operation]:
        return []
