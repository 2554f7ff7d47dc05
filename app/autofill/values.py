"""Recognising and splitting values: e-mail, phone, country, postal address (dates: app.timewords).

Pure functions, no I/O. They are deliberately conservative: a value that does not look right
for its key is dropped rather than offered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PHONE = re.compile(r"(?<![\w+(])(?:\+|00)?\(?\d(?:[\s().-]{0,2}\d){6,16}(?!\w)")
URL = re.compile(r"\bhttps?://[^\s<>\"']+|\b(?:www\.)[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:/[^\s]*)?", re.I)

# Country names (English and native) to ISO 3166 alpha-2, for <select> fields that use codes.
COUNTRIES: dict[str, str] = {
    "portugal": "PT", "spain": "ES", "espana": "ES", "france": "FR", "germany": "DE",
    "deutschland": "DE", "italy": "IT", "italia": "IT", "united kingdom": "GB", "uk": "GB",
    "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "ireland": "IE",
    "netherlands": "NL", "the netherlands": "NL", "nederland": "NL", "belgium": "BE",
    "belgique": "BE", "luxembourg": "LU", "switzerland": "CH", "schweiz": "CH", "suisse": "CH",
    "austria": "AT", "osterreich": "AT", "denmark": "DK", "danmark": "DK", "sweden": "SE",
    "sverige": "SE", "norway": "NO", "norge": "NO", "finland": "FI", "suomi": "FI",
    "iceland": "IS", "poland": "PL", "polska": "PL", "czech republic": "CZ", "czechia": "CZ",
    "slovakia": "SK", "hungary": "HU", "romania": "RO", "bulgaria": "BG", "greece": "GR",
    "croatia": "HR", "slovenia": "SI", "serbia": "RS", "estonia": "EE", "latvia": "LV",
    "lithuania": "LT", "ukraine": "UA", "turkey": "TR", "turkiye": "TR", "cyprus": "CY",
    "malta": "MT", "united states": "US", "united states of america": "US", "usa": "US",
    "us": "US", "canada": "CA", "mexico": "MX", "brazil": "BR", "brasil": "BR",
    "argentina": "AR", "chile": "CL", "colombia": "CO", "peru": "PE", "uruguay": "UY",
    "australia": "AU", "new zealand": "NZ", "japan": "JP", "china": "CN", "india": "IN",
    "south korea": "KR", "korea": "KR", "singapore": "SG", "israel": "IL",
    "south africa": "ZA", "nigeria": "NG", "kenya": "KE", "egypt": "EG", "morocco": "MA",
    "angola": "AO", "mozambique": "MZ", "cape verde": "CV", "cabo verde": "CV",
}  # fmt: skip
_CODE_NAMES = {code: name for name, code in reversed(COUNTRIES.items()) if len(name) > 3}

# International dialling codes, longest first when splitting a number.
DIAL_CODES = sorted(
    """1 7 20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 54 55 56 57 61 64 65 81
    82 86 90 91 212 234 244 254 258 351 352 353 354 356 357 358 359 370 371 372 380 385 386 420
    421 972""".split(),
    key=len,
    reverse=True,
)


def find_email(text: str) -> str | None:
    match = EMAIL.search(text)
    return match.group(0).rstrip(".") if match else None


def find_phone(text: str) -> str | None:
    for match in PHONE.finditer(text):
        raw = match.group(0).strip()
        digits = re.sub(r"\D", "", raw)
        if 7 <= len(digits) <= 15 and not re.fullmatch(r"(19|20)\d\d-\d\d-\d\d", raw):
            return " ".join(raw.split())
    return None


def find_url(text: str) -> str | None:
    match = URL.search(text)
    return match.group(0).rstrip(".,;)") if match else None


def split_phone(value: str) -> tuple[str, str] | None:
    """('+351', '912 345 678') for an international number; None when it has no country code."""
    compact = value.strip()
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not compact.startswith("+"):
        return None
    digits = re.sub(r"\D", "", compact)
    for code in DIAL_CODES:
        if digits.startswith(code):
            seen = 0
            for position, char in enumerate(compact):
                seen += char.isdigit()
                if seen == len(code):
                    return "+" + code, compact[position + 1 :].strip(" -.()")
    return None


def country_code(name: str) -> str | None:
    from app.autofill.fields import normalise

    text = normalise(name)
    if text in COUNTRIES:
        return COUNTRIES[text]
    upper = name.strip().upper()
    return upper if upper in _CODE_NAMES else None


def country_name(code: str) -> str:
    return _CODE_NAMES.get(code.upper(), code).title()


# Postal codes, most specific first: PT, BR, US ZIP+4, CA, UK, NL, SE, 5 digits, 4 digits.
_POSTAL = (
    re.compile(r"\b\d{4}-\d{3}\b"),
    re.compile(r"\b\d{5}-\d{3}\b"),
    re.compile(r"\b\d{5}-\d{4}\b"),
    re.compile(r"\b[A-Z]\d[A-Z] ?\d[A-Z]\d\b"),
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b"),
    re.compile(r"\b\d{4} ?[A-Z]{2}\b"),
    re.compile(r"\b\d{3} \d{2}\b"),
    re.compile(r"\b\d{5}\b"),
    re.compile(r"\b\d{4}\b"),
)


@dataclass(frozen=True)
class Address:
    line1: str
    line2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    full: str = ""

    @property
    def street(self) -> str:
        return ", ".join(p for p in (self.line1, self.line2) if p)


def parse_address(text: str) -> Address | None:
    """Split 'Rua das Flores 12, 3 Esq, 4050-262 Porto, Portugal' into its parts."""
    full = " ".join(text.replace("\n", ", ").split()).strip(" ,.")
    parts = [p.strip() for p in re.split(r"\s*[,;\n]\s*", full) if p.strip()]
    if not parts or not re.search(r"\d", full) or len(full) > 300:
        return None
    country = ""
    if len(parts) > 1 and country_code(parts[-1]):
        country = parts.pop()
    postal, city, region, index = "", "", "", None
    for i in range(len(parts) - 1, 0, -1):
        for pattern in _POSTAL:
            match = pattern.search(parts[i])
            if match:
                postal = match.group(0)
                rest = (parts[i][: match.start()] + " " + parts[i][match.end() :]).strip(" -")
                index = i
                break
        if index is not None:
            break
    if index is None:
        if len(parts) < 2:
            return None
        index = len(parts) - 1
        rest = parts[index]
    words = rest.split()
    if len(words) >= 2 and re.fullmatch(r"[A-Z]{2}", words[-1]):  # "Springfield IL 62704"
        region, words = words[-1], words[:-1]
    elif len(words) == 1 and re.fullmatch(r"[A-Z]{2}", words[0]) and index > 1:
        region, words = words[0], []
    city = " ".join(words)
    if not city and index > 1:
        city = parts[index - 1]
        index -= 1
    street_parts = parts[:index]
    if not street_parts:
        return None
    line1 = street_parts[0]
    line2 = ", ".join(street_parts[1:])
    return Address(line1, line2, city, region, postal, country, full)
