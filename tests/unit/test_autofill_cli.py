"""`memloci autofill`, `memloci autofill log`, `memloci prompt-context` and `memloci serve`, run
the way a person runs them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import subprocess_env
from tests.unit.test_cli import memloci_cli

PASSPORT = "P1234567"
CARD = "4111 1111 1111 1111"


@pytest.fixture
def store(memloci):
    memloci.add(
        "Name: Ana Silva\nE-mail: ana@example.pt\n"
        "Address: Rua das Flores 12, 4050-262 Porto, Portugal",
        type="core",
        fields={"label": "human"},
    )
    passport = memloci.add(
        None,
        type="vault",
        fields={"caption": "Passport number", "secret_value": PASSPORT, "sensitivity": "medium"},
    )
    card = memloci.add(
        None,
        type="vault",
        fields={"caption": "Credit card number", "secret_value": CARD, "sensitivity": "high"},
    )
    memloci.close()  # the CLI opens the store itself
    return {"passport": passport.id, "card": card.id}


def test_autofill_a_label(capsys, store) -> None:
    code, out, _ = memloci_cli(capsys, "autofill", "Shipping address")
    assert code == 0
    assert "street-address, from the label" in out
    assert "Rua das Flores 12, 4050-262 Porto, Portugal" in out
    code, out, _ = memloci_cli(capsys, "autofill", "--json", "E-mail", "--context", "shop.example")
    result = json.loads(out)
    assert (result["field"], result["key"]) == ("E-mail", "email")
    assert result["suggestions"][0]["value"] == "ana@example.pt"


def test_vault_values_are_masked_unless_revealed(capsys, store) -> None:
    code, out, _ = memloci_cli(capsys, "autofill", "Passport no.")
    assert code == 0 and PASSPORT not in out and "--reveal" in out
    code, out, _ = memloci_cli(capsys, "autofill", "Passport no.", "--json")
    assert json.loads(out)["suggestions"][0]["value"] is None
    code, out, _ = memloci_cli(capsys, "autofill", "Passport no.", "--reveal")
    assert PASSPORT in out
    # High sensitivity takes the passphrase (here from MEMLOCI_PASSPHRASE, as in scripts).
    code, out, _ = memloci_cli(capsys, "autofill", "Card number", "--reveal", "--json")
    assert json.loads(out)["suggestions"][0]["value"] == CARD


def test_the_log_lists_what_was_handed_out(capsys, store) -> None:
    memloci_cli(capsys, "autofill", "Passport no.", "--reveal")
    memloci_cli(capsys, "autofill", "E-mail")
    code, out, _ = memloci_cli(capsys, "autofill", "log")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["WHEN", "OUTCOME", "TO", "FOR", "MEMORY"]
    assert "E-mail" in lines[1] and "About you" in lines[1]
    assert "Passport no." in lines[2] and "[medium]" in lines[2] and PASSPORT not in out
    code, out, _ = memloci_cli(capsys, "autofill", "log", "--json", "--limit", "1")
    rows = json.loads(out)
    assert len(rows) == 1 and rows[0]["channel"] == "cli" and rows[0]["recipient"] == "terminal"


def test_an_empty_log_and_bad_input(capsys, store) -> None:
    code, out, _ = memloci_cli(capsys, "autofill", "log")
    assert code == 0 and "Nothing has been handed out" in out
    code, _, err = memloci_cli(capsys, "autofill", "  ")
    assert code == 2 and "field label" in err
    code, _, err = memloci_cli(capsys, "prompt-context", "Porto", "--max-chars", "10")
    assert code == 2 and err.count("\n") == 1


def test_prompt_context(capsys, store) -> None:
    code, out, _ = memloci_cli(capsys, "prompt-context", "Where do I live in Porto?")
    assert code == 0 and out.startswith("Context from my personal memory")
    assert re.search(r"\[1\] .*\(memloci:[0-9a-z]{8}\)", out)
    assert PASSPORT not in out and CARD not in out
    code, out, _ = memloci_cli(capsys, "prompt-context", "Porto", "--json")
    data = json.loads(out)
    assert data["items"][0]["sources"] and data["text"].startswith("Context")
    code, out, err = memloci_cli(capsys, "prompt-context", "quantum chromodynamics")
    assert code == 0 and out == "" and "Nothing in your memory" in err


def test_serve_shows_the_token_and_answers(home: Path, store) -> None:
    env = subprocess_env(home)
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", "0", "--show-token", "--approve", "never"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        token = process.stdout.readline().strip().removeprefix("Token: ")
        assert token.startswith("mlc_")
        deadline = time.monotonic() + 30
        url = ""
        while not url and time.monotonic() < deadline:
            match = re.search(r"http://127\.0\.0\.1:\d+", process.stderr.readline())
            url = match.group(0) if match else ""
        assert url, "serve did not say where it listens"
        body = json.dumps({"fields": [{"label": "Passport number"}, {"label": "E-mail"}]})
        request = urllib.request.Request(
            url + "/v1/autofill",
            data=body.encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=20) as response:
            result = json.loads(response.read())
        # --approve never: nobody can approve, so the passport number stays home.
        assert result["fields"][0]["suggestions"] == []
        assert result["fields"][0]["withheld"][0]["reason"] == "no-approver"
        assert result["fields"][1]["suggestions"][0]["value"] == "ana@example.pt"
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert process.returncode == 0
    log = (home / "logs" / "memloci.log").read_text()
    assert token not in log and PASSPORT not in log
