"""Autofill latency on a seeded store: a 12-field checkout form through the facade and through
the local API (HTTP, token, approval), one typed label (the popup's filter), and the prompt
context. Prints the figures and the values the form got.

    .venv/bin/python scripts/bench/autofill.py [--memories 2000] [--repeats 30] [--embedder none]

The store is a throw-away one; the embedding index is brought up to date before timing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, peak_rss_mib, temporary_home, warm_up

HUMAN = """Name: Ana Maria Silva
E-mail: ana.silva@example.pt
Work email: ana@acme.example
Phone: +351 912 345 678
Address: Rua das Flores 12, 3 Esq, 4050-262 Porto, Portugal
I was born on 12 April 1990. I work at Acme Robotics."""

FORM = [
    {"label": "First name", "autocomplete": "given-name"},
    {"label": "Last name", "name": "lname"},
    {"label": "E-mail address", "type": "email"},
    {"label": "Mobile phone", "type": "tel"},
    {"label": "Street address", "autocomplete": "address-line1"},
    {"label": "Apartment, suite"},
    {"label": "Town / City"},
    {"label": "", "name": "zip", "placeholder": "Postcode"},
    {"label": "Country", "autocomplete": "country"},
    {"label": "Date of birth", "type": "date"},
    {"label": "Passport number"},
    {"label": "Favourite airline"},
]
TOPICS = "budget garden recipe football meeting invoice holiday dentist novel piano".split()
PEOPLE = "Rui Marta Joao Ines Pedro Sofia Tiago Carla Nuno Helena".split()


def seed(memloci, count: int, rng: random.Random) -> None:
    memloci.add(HUMAN, type="core", fields={"label": "human"})
    memloci.add("I always fly with TAP, window seat", type="semantic",
                fields={"name": "Favourite airline"})  # fmt: skip
    memloci.add(None, type="vault", fields={
        "caption": "Passport number", "secret_value": "P1234567", "sensitivity": "medium"
    })  # fmt: skip
    vault = max(1, count // 20)
    semantic = count // 3
    for n in range(vault):
        memloci.add(None, type="vault", fields={
            "caption": f"Account {n} password for site{n}.example", "entry_type": "credential",
            "secret_value": f"secret-{n}-{rng.random()}", "sensitivity": rng.choice(
                ["low", "medium", "high"]),
        })  # fmt: skip
    for n in range(semantic):
        person, topic = rng.choice(PEOPLE), rng.choice(TOPICS)
        memloci.add(
            f"{person} talked about the {topic} (note {n}); email {person.lower()}{n}@example.com",
            type="semantic",
            fields={"name": f"{person} {topic} {n}"},
        )
    for n in range(count - vault - semantic):
        memloci.add(f"Worked on the {rng.choice(TOPICS)} with {rng.choice(PEOPLE)} ({n})")


def timed(fn, repeats: int) -> tuple[float, float]:
    fn()  # warm
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


class Allow:
    """The person approves every request at once (the bench times Memloci, not people)."""

    def approve(self, request):
        from app.autofill.approval import Decision

        return Decision(frozenset(i.memory_id for i in request.items), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memories", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--embedder", choices=["minilm", "none"], default="minilm")
    args = parser.parse_args()
    with temporary_home() as home:
        from app.api.server import ApiServer
        from app.autofill.fields import FieldSpec
        from app.autofill.suggest import PageContext
        from app.core import Memloci
        from app.settings import Settings

        (home / "config").mkdir(parents=True, exist_ok=True)
        settings = Settings().with_value("embedder.kind", args.embedder)
        settings.save(home / "config" / "settings.toml")
        if args.embedder == "minilm":
            warm_up(home)
        memloci = Memloci.open(home)
        started = time.perf_counter()
        seed(memloci, args.memories, random.Random(7))
        seeded = time.perf_counter() - started
        started = time.perf_counter()
        memloci.index_sync()
        indexed = time.perf_counter() - started
        specs = [FieldSpec(**f) for f in FORM]
        page = PageContext(url="https://shop.example/checkout", title="Checkout")
        form_ms = timed(lambda: memloci.autofill.suggest(specs, page), args.repeats)
        label_ms = timed(
            lambda: memloci.autofill.suggest([FieldSpec(label="passport number")], page),
            args.repeats,
        )
        context_ms = timed(
            lambda: memloci.autofill.prompt_context("Plan my trip to Porto: flights and passport"),
            args.repeats,
        )
        memloci.autofill.set_approver(Allow())
        server = ApiServer(memloci, port=0)
        server.start()
        token = memloci.api_token()
        body = json.dumps({"page": {"url": page.url, "title": page.title}, "fields": FORM})
        answer: dict = {}

        def call() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            conn.request(
                "POST",
                "/v1/autofill",
                body=body,
                headers={
                    "Host": f"127.0.0.1:{server.port}",
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/json",
                },
            )
            response = conn.getresponse()
            answer.update(json.loads(response.read()))
            conn.close()

        api_ms = timed(call, args.repeats)
        server.stop()
        log_rows = len(memloci.autofill.disclosures(limit=100_000))
        memloci.close()

    print(f"Memloci autofill benchmark — {machine()}")
    print(
        f"store: {args.memories:,} memories (+3 fixed), embedder {args.embedder}; "
        f"seeded in {seeded:.1f} s, indexed in {indexed:.1f} s"
    )
    print(f"{'what':<44}{'median ms':>11}{'p95 ms':>9}")
    for name, (median, p95) in (
        ("12-field checkout form (facade)", form_ms),
        ("same form over HTTP /v1/autofill (+approval)", api_ms),
        ("one typed label (popup filter)", label_ms),
        ("prompt context", context_ms),
    ):
        print(f"{name:<44}{median:>11.1f}{p95:>9.1f}")
    print(f"disclosure log rows written: {log_rows:,}; peak memory {peak_rss_mib():.0f} MiB")
    print("values the form got:")
    for field, result in zip(FORM, answer.get("fields", []), strict=False):
        top = result["suggestions"][0]["value"] if result["suggestions"] else "-"
        print(f"  {field.get('label') or field.get('placeholder'):<20} {top}")


if __name__ == "__main__":
    main()
