"""Synthetic chat history of realistic shape for the latency and throughput benchmarks.

Sentences come from a word-level Markov chain trained on the LoCoMo conversation (so function
words and phrasing look like chat), with one word in five replaced by a content word drawn from
a Zipf distribution over the model's 20,000-odd whole-word vocabulary (so the long tail of
names and topics is realistic for full-text search). Lengths are log-normal (median ~20 words,
a long tail past 200), timestamps spread over three years, 40-message conversations.
"""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import shared_bench

LOCOMO = shared_bench() / "locomo" / "conv-26.json"


class Generator:
    def __init__(self, seed: int = 20261124) -> None:
        from app.embed.minilm import model_dir

        self.rng = random.Random(seed)
        data = json.loads(LOCOMO.read_text(encoding="utf-8"))["conversation"]
        texts = [
            turn["text"]
            for key, turns in data.items()
            if re.fullmatch(r"session_\d+", key)
            for turn in turns
        ]
        self.words = [w for t in texts for w in re.findall(r"[\w']+|[.,!?]", t)]
        self.chain: dict[str, list[str]] = defaultdict(list)
        for a, b in zip(self.words, self.words[1:], strict=False):
            self.chain[a].append(b)
        vocab = (model_dir() / "vocab.txt").read_text(encoding="utf-8").split()
        self.vocab = [w for w in vocab if w.isalpha() and len(w) > 3]
        self.rng.shuffle(self.vocab)
        # Zipf weights by rank (s = 1.1), sampled through a cumulative table.
        weights = [1.0 / (rank**1.1) for rank in range(1, len(self.vocab) + 1)]
        total = sum(weights)
        running, self.cumulative = 0.0, []
        for w in weights:
            running += w / total
            self.cumulative.append(running)
        self.speakers = ["Ana", "Rui", "Marta", "João", "Li", "Sam", "Priya", "Tom"]

    def content_word(self) -> str:
        import bisect

        return self.vocab[
            min(bisect.bisect(self.cumulative, self.rng.random()), len(self.vocab) - 1)
        ]

    def sentence(self) -> str:
        length = max(3, min(400, int(self.rng.lognormvariate(3.0, 0.75))))
        word = self.rng.choice(self.words)
        out = [word]
        for _ in range(length - 1):
            if self.rng.random() < 0.2:
                word = self.content_word()
            else:
                following = self.chain.get(word)
                word = self.rng.choice(following) if following else self.rng.choice(self.words)
            out.append(word)
        return re.sub(r" ([.,!?])", r"\1", " ".join(out))

    def messages(self, count: int) -> Iterator[dict]:
        start = datetime(2023, 1, 1, tzinfo=UTC)
        span = timedelta(days=3 * 365).total_seconds()
        moments = sorted(self.rng.random() * span for _ in range(count))
        for n, offset in enumerate(moments):
            yield {
                "id": f"syn-{n}",
                "conversation": f"conv-{n // 40}",
                "speaker": self.rng.choice(self.speakers),
                "text": self.sentence(),
                "timestamp": (start + timedelta(seconds=offset)).isoformat(),
            }

    def queries(self, count: int) -> list[str]:
        """Searches a person might type: a few words, a question, sometimes a time or type."""
        forms = [
            "{a} {b}",
            "{a} {b} {c}",
            "what did {p} say about {a}",
            "when did we talk about {a} and {b}",
            "{a} {b} last month",
            "{a} in May 2024",
            "{p} {a} {b} {c} {d}",
            "{a}",
        ]
        out = []
        for _ in range(count):
            words = {k: self.content_word() for k in "abcd"}
            out.append(self.rng.choice(forms).format(p=self.rng.choice(self.speakers), **words))
        return out


def write_jsonl(path: Path, count: int, seed: int = 20261124) -> Path:
    generator = Generator(seed)
    with open(path, "w", encoding="utf-8") as out:
        for message in generator.messages(count):
            out.write(json.dumps(message, ensure_ascii=False) + "\n")
    return path
