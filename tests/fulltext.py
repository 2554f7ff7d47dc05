"""Looking inside the full-text index (`search_docs`) for what forgetting must have removed.

`fts5vocab` lists only live entries: a deleted row's terms stay in the index segments (as the
entries a delete marker cancels) until they are merged away, and the vocabulary never shows
them. So the segments' own bytes are read too.
"""

from __future__ import annotations

from typing import Any


def vocabulary(conn: Any) -> set[str]:
    """The live terms of the index."""
    conn.execute("DROP TABLE IF EXISTS temp.fulltext_vocab")
    conn.execute("CREATE VIRTUAL TABLE temp.fulltext_vocab USING fts5vocab(main, search_docs, row)")
    return {row[0] for row in conn.execute("SELECT term FROM temp.fulltext_vocab")}


def in_segments(conn: Any, word: str) -> bool:
    """Whether any index segment still holds `word`, live or deleted. Terms are stored with the
    prefix they share with the term before them left out, so the word's tail is looked for
    (pick a word whose last 6 letters no other term has, and that stemming leaves alone)."""
    tail = word.lower()[-6:].encode("utf-8")
    return any(
        tail in bytes(block) for (block,) in conn.execute("SELECT block FROM search_docs_data")
    )
