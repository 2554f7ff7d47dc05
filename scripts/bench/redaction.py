"""Precision and recall of the redactor on the corpora in tests/data/redaction.

    PYTHONPATH=$PWD .venv/bin/python scripts/bench/redaction.py [--redactor FILE:FUNC] [--misses]

Recall: of the characters of every secret, the share replaced; and the share of phrasings with
every secret gone. Precision: of all characters replaced (secret phrasings and ordinary
sentences), the share that were secret. Ordinary: the share of ordinary sentences left exactly
as written. Any function from text to text can be measured (`--redactor`), so an older
redactor can be compared with the same corpora; replaced characters are found by diffing.
"""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import json
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable

from _common import ROOT

DATA = ROOT / "tests" / "data" / "redaction"


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]


PLACEHOLDER = re.compile(r"\[REDACTED:[a-z_-]+\]")


def removed(text: str, output: str) -> set[int]:
    """Indices of `text` that did not survive into `output` (placeholders count as one
    character that matches nothing, so their letters are not taken for the secret's)."""
    output = PLACEHOLDER.sub("\x00", output)
    gone: set[int] = set()
    matcher = difflib.SequenceMatcher(None, text, output, autojunk=False)
    for op, a0, a1, _b0, _b1 in matcher.get_opcodes():
        if op in ("replace", "delete"):
            gone.update(range(a0, a1))
    return gone


def secret_positions(text: str, secrets: list[str]) -> set[int]:
    spots: set[int] = set()
    for secret in secrets:
        start = text.find(secret)
        while start >= 0:
            spots.update(range(start, start + len(secret)))
            start = text.find(secret, start + 1)
    return spots


def redactor(spec: str | None) -> Callable[[str], str]:
    if spec is None:
        from app.security.redact import redact_text

        return redact_text
    path, _, name = spec.partition(":")
    module_spec = importlib.util.spec_from_file_location("measured", path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    sys.modules["measured"] = module  # dataclasses look their module up
    module_spec.loader.exec_module(module)
    func = getattr(module, name)
    return lambda text: (lambda out: out if isinstance(out, str) else out.text)(func(text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redactor", help="FILE:FUNC, a function text -> text (or .text)")
    parser.add_argument("--misses", action="store_true", help="print what was missed or eaten")
    parser.add_argument(
        "--heldout", action="store_true", help="the held-out corpora (never tuned against)"
    )
    args = parser.parse_args()
    redact = redactor(args.redactor)
    prefix = "heldout_" if args.heldout else ""
    secrets, ordinary = load(f"{prefix}secrets.jsonl"), load(f"{prefix}ordinary.jsonl")

    hit_chars = secret_chars = false_chars = cases_clean = 0
    by_tag: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for case in secrets:
        text = case["text"]
        output = redact(text)
        gone = removed(text, output)
        wanted = secret_positions(text, case["secrets"])
        hit_chars += len(gone & wanted)
        secret_chars += len(wanted)
        false_chars += len(gone - wanted)
        ok = not wanted - gone
        cases_clean += ok
        by_tag[case["tag"]][0] += ok
        by_tag[case["tag"]][1] += 1
        if args.misses and (not ok or gone - wanted):
            print(f"  secret  {text!r}\n       -> {output!r}")
    unchanged = 0
    for case in ordinary:
        output = redact(case["text"])
        unchanged += output == case["text"]
        false_chars += len(removed(case["text"], output))
        if args.misses and output != case["text"]:
            print(f"  ordinary {case['text']!r}\n        -> {output!r}")
    texts = [c["text"] for c in secrets + ordinary] * 5
    started = time.process_time()
    for text in texts:
        redact(text)
    seconds = time.process_time() - started
    lines = len(texts)

    precision = hit_chars / max(1, hit_chars + false_chars)
    print(f"secret phrasings: {len(secrets)}, ordinary sentences: {len(ordinary)}")
    print(f"recall (characters of secrets replaced): {hit_chars / secret_chars:.3f}")
    print(f"recall (phrasings with every secret gone): {cases_clean / len(secrets):.3f}")
    print(f"precision (replaced characters that were secret): {precision:.3f}")
    print(f"ordinary sentences unchanged: {unchanged / len(ordinary):.3f}")
    print("by kind: " + ", ".join(f"{t} {a}/{b}" for t, (a, b) in sorted(by_tag.items())))
    print(f"speed: {seconds / lines * 1e6:.0f} µs of CPU per line")
    print(speed(redact))


def speed(redact: Callable[[str], str]) -> str:
    """CPU time on text like a person's: chat lines and 60-line screens of the user guide's words
    (README.md and docs/, a text full of "password", "code" and "key", so the label detectors
    run often; the words of the former long README)."""
    guide = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    words = " ".join(
        page.read_text(encoding="utf-8") for page in guide if page.name != "ARCHITECTURE.md"
    ).split()
    rng = random.Random(1)
    chat = [" ".join(rng.choice(words) for _ in range(rng.randint(5, 40))) for _ in range(2000)]
    lines = (" ".join(rng.choice(words) for _ in range(12)) for _ in range(20 * 60))
    screens = ["\n".join(next(lines) for _ in range(60)) for _ in range(20)]
    figures = []
    for name, texts in (("chat line", chat), ("60-line screen", screens)):
        started = time.process_time()
        for text in texts:
            redact(text)
        figures.append(f"{(time.process_time() - started) / len(texts) * 1e6:,.0f} µs per {name}")
    return "speed on the user guide's words: " + ", ".join(figures)


if __name__ == "__main__":
    main()
