"""What a web browser may get from Memloci (issue 13): the rules hold here, on Memloci's side,
whatever the extension or the page says.

A web page chooses what its fields are called and can hide them, so from a browser a field's
label is no query into the memory: only fields Memloci recognises as a kind (e-mail, phone,
address, passport, ...) are answered, from the person's facts and keyed vault entries, unless
the person allowed free-text answers on that site (`autofill.free_text_sites`). And every vault
value, whatever its sensitivity, waits for the person's approval before a browser gets it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from app.errors import InvalidInput

BROWSER = "browser"  # the disclosure channel of browser extensions
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def site_of(text: str) -> str:
    """The host a person means by 'gym.example', 'https://www.gym.example/login' or
    '*.gym.example', lower case; raises InvalidInput when it is not a host name."""
    raw = text.strip().lower()
    if "//" in raw:
        raw = urlsplit(raw).hostname or ""
    raw = raw.split("/")[0].removeprefix("*.").rstrip(".")
    if raw.count(":") == 1:  # host:port
        raw = raw.split(":")[0]
    try:
        ipaddress.ip_address(raw)
        return raw
    except ValueError:
        pass
    labels = raw.split(".")
    if not raw or len(raw) > 253 or not all(_LABEL.match(label) for label in labels):
        raise InvalidInput(f"{text.strip()!r} is not a site; give a host name such as gym.example.")
    return raw


def site_allowed(host: str, sites: Iterable[str]) -> bool:
    """True when `host` is one of `sites` or a subdomain of one (www.gym.example for
    gym.example; never evil-gym.example)."""
    host = host.lower().rstrip(".")
    return bool(host) and any(host == site or host.endswith("." + site) for site in sites)
