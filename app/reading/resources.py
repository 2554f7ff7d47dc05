"""Resources: books, films, articles and documents a message names, links and file names.

A title is a quoted, capitalised phrase ("I'm reading 'The Design of Everyday Things'") or a
capitalised phrase after a verb of reading or watching; its kind comes from the words around
it (book club, film, podcast). A link or file name is a resource whose title is the phrase that
introduces it ("The load calculations template lives at https://...").
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlparse

from app.reading import lexicon as lx
from app.reading.context import Read
from app.reading.model import Resource

_KIND_CUES = (
    ("book", r"book|novel|read|reading|chapter|author|library|kindle|audiobook|memoir"),
    ("film", r"film|movie|cinema|watch|watched|watching|documentary"),
    ("series", r"series|show|season|episode|binge"),
    ("podcast", r"podcast"),
    ("music", r"album|song|track|listen|listening|playlist|record"),
    ("article", r"article|paper|essay|blog|post|newsletter|journal"),
    ("course", r"course|lecture|class|tutorial"),
    ("game", r"game|play(?:ing|ed)"),
)
_EXTENSIONS = {
    "pdf": "document",
    "doc": "document",
    "docx": "document",
    "odt": "document",
    "rtf": "document",
    "txt": "document",
    "md": "document",
    "xls": "spreadsheet",
    "xlsx": "spreadsheet",
    "ods": "spreadsheet",
    "csv": "spreadsheet",
    "numbers": "spreadsheet",
    "ppt": "slides",
    "pptx": "slides",
    "odp": "slides",
    "key": "slides",
    "png": "image",
    "jpg": "image",
    "jpeg": "image",
    "gif": "image",
    "svg": "image",
    "mp4": "video",
    "mov": "video",
    "mp3": "audio",
    "zip": "archive",
    "epub": "book",
}
_FILE = re.compile(
    r"(?<![\w/.@-])[\w][\w.-]{0,120}\.(?:" + "|".join(_EXTENSIONS) + r")\b(?![\w@-])", re.I
)
_READ_VERB = re.compile(
    r"(?i)\b(?:reading|read|finished|started|re-?reading|watching|watched|listening\s+to"
    r"|recommend(?:ed)?|picked|chose)\s+"
)
_TITLE_WORD = r"(?:[A-Z0-9][\w'’-]*|of|the|a|an|and|in|on|to|for|at|with|from|or)\b"
_TITLE_AFTER_VERB = re.compile(r"(?P<title>[A-Z][\w'’:-]*(?:\s+" + _TITLE_WORD + r"){0,10})")
_INTRO_TAIL = re.compile(
    r"(?i)[\s,:-]*(?:(?:lives?|is|are|sits?|can\s+be\s+found|is\s+kept|are\s+kept|is\s+saved"
    r"|are\s+saved|is\s+stored|are\s+stored|here|there)(?:\s+(?:at|in|on|under|here))?|at|in"
    r"|on|here|:)?[\s:]*$"
)


def kind_of(context: str, default: str = "title") -> str:
    low = context.lower()
    for kind, cue in _KIND_CUES:
        if re.search(rf"\b(?:{cue})\b", low):
            return kind
    return default


def _file_kind(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return _EXTENSIONS.get(ext, "link")


def _introduction(r: Read, start: int) -> str:
    """The phrase before a link or file name: "The load calculations template lives at"."""
    sentence = next((s for s in r.sentences if s.start <= start <= s.end), None)
    if sentence is None:
        return ""
    before = r.text[sentence.start : start]
    before = _INTRO_TAIL.sub("", before).strip(" ,:-")
    words = before.split()
    while words and words[0].lower().strip(",:") in lx.DISCOURSE:
        words = words[1:]
    return " ".join(words)


def resources(r: Read) -> list[Resource]:
    """Every resource one message names."""
    out: list[Resource] = []
    taken: list[tuple[int, int]] = []
    for c in r.contacts:
        if c.kind != "url" or r.is_foreign(c.start):
            continue
        path = unquote(urlparse(c.value).path)
        name = path.rstrip("/").rsplit("/", 1)[-1]
        intro = _introduction(r, c.start)
        kind = _file_kind(name) if "." in name else "link"
        title = intro or name or c.value
        out.append(
            Resource(
                title,
                kind,
                r.span(c.start, c.end),
                url=c.value,
                context=r.text[max(0, c.start - len(intro) - 20) : c.end],
            )
        )
        taken.append((c.start, c.end))
    for m in _FILE.finditer(r.text):
        if any(s <= m.start() < e for s, e in taken) or r.is_foreign(m.start()):
            continue
        if any(c.start <= m.start() < c.end for c in r.contacts):
            continue
        out.append(Resource(m.group(0), _file_kind(m.group(0)), r.span(m.start(), m.end())))
        taken.append(m.span())
    for start, end in _titles(r):
        if any(s <= start < e for s, e in taken):
            continue
        title = r.text[start:end].strip(" ,.;:!?")
        sentence = next((s for s in r.sentences if s.start <= start <= s.end), None)
        context = r.text[sentence.start : sentence.end] if sentence else title
        author = re.match(r"[\"'’”]?\s+by\s+((?:[A-Z][\w'’.-]*\s?){1,4})", r.text[end : end + 60])
        out.append(
            Resource(
                title,
                kind_of(context.replace(title, "")),
                r.span(start, end),
                author=author.group(1).strip() if author else None,
                context=context,
            )
        )
        taken.append((start, end))
    return out


def _titles(r: Read) -> list[tuple[int, int]]:
    """Spans of titles: quoted capitalised phrases, and capitalised phrases after "reading"."""
    spans = []
    for start, end in r.quoted:
        if r.is_foreign(start):
            continue
        inner = r.text[start:end]
        words = inner.split()
        if not 1 <= len(words) <= 12 or not words[0][:1].isupper():
            continue
        if re.search(r"(?i)\b(?:i|my|me|you|your)\b|[:=]", inner):
            continue  # quoted speech, not a title
        spans.append((start, end))
    for m in _READ_VERB.finditer(r.text):
        t = _TITLE_AFTER_VERB.match(r.text, m.end())
        if not t:
            continue
        title = t.group("title")
        words = title.split()
        while words and words[-1].lower() in (
            "of",
            "the",
            "a",
            "an",
            "and",
            "in",
            "on",
            "to",
            "for",
            "at",
            "with",
            "from",
            "or",
        ):
            words.pop()
        if len(words) < 2 and not (words and not lx.known_word(words[0])):
            continue
        end = t.start() + len(" ".join(words))
        if any(s <= t.start() < e for s, e in spans):
            continue
        spans.append((t.start(), end))
    return spans
