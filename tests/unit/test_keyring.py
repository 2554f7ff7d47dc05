"""The OS keyring path (opt-in): the data key is kept there and the store opens without a
passphrase; turning it off removes it; a keyring that refuses says so in one line. The keyring
library is real; its backend is a small in-process store (this sandbox has no Secret Service)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

from tests.conftest import PASSPHRASE


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self, refuse: bool = False) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}
        self.refuse = refuse

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.refuse:
            raise KeyringError("the collection is locked")
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


@pytest.fixture
def backend() -> Any:
    previous = keyring.get_keyring()
    store = MemoryKeyring()
    keyring.set_keyring(store)
    yield store
    keyring.set_keyring(previous)


def test_opt_in_keeps_the_key_and_the_store_opens_without_a_passphrase(
    backend: MemoryKeyring, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.core import Memloci
    from app.errors import PassphraseRequired

    with Memloci.open(home) as memloci:
        memory = memloci.add("The spare key is under the blue pot")
        memloci.set_keyring(True)
        assert memloci.settings.security.use_keyring
    (((service, _), stored),) = backend.items.items()
    assert service == "memloci"
    assert PASSPHRASE not in stored  # the data key is kept, never the passphrase

    monkeypatch.delenv("MEMLOCI_PASSPHRASE")
    with Memloci.open(home, create=False) as memloci:  # no passphrase, no prompt
        assert memloci.get(memory.id).title.startswith("The spare key")
        memloci.set_keyring(False)
    assert backend.items == {}
    with pytest.raises(PassphraseRequired):
        Memloci.open(home, create=False)


def test_a_keyring_that_refuses_says_so_and_changes_nothing(home: Path, memloci: Any) -> None:
    from app.errors import ConfigError

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring(refuse=True))
    try:
        with pytest.raises(ConfigError) as caught:
            memloci.set_keyring(True)
    finally:
        keyring.set_keyring(previous)
    assert "keyring refused" in str(caught.value) and "\n" not in str(caught.value)
    assert not memloci.settings.security.use_keyring


def test_a_new_data_key_reaches_the_keyring_and_a_stale_one_is_replaced(
    backend: MemoryKeyring, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After `passphrase change --new-key` the keyring holds the new key; if it still held the
    old one (a crash between the two), the store asks for the passphrase once, instead of
    failing on a key that no longer fits, and keeps the right key from then on."""
    import base64

    from app.core import Memloci

    with Memloci.open(home) as memloci:
        memory = memloci.add("Keys move with the store")
        memloci.set_keyring(True)
        old_key = memloci._parts.keys.data_key
    Memloci.replace_data_key(home, PASSPHRASE, "the passphrase after")
    ((slot, stored),) = backend.items.items()
    assert base64.b64decode(stored) != old_key

    monkeypatch.delenv("MEMLOCI_PASSPHRASE")
    with Memloci.open(home, create=False) as memloci:  # the keyring's new key opens it
        new_key = memloci._parts.keys.data_key
        assert memloci.get(memory.id).title.startswith("Keys move")

    backend.items[slot] = base64.b64encode(old_key).decode()  # stale, as after a crash
    asked: list[str] = []

    def prompt(message: str, confirm: bool) -> str:
        asked.append(message)
        return "the passphrase after"

    with Memloci.open(home, create=False, prompt=prompt) as memloci:
        assert memloci.get(memory.id).title.startswith("Keys move")
    assert asked == ["Passphrase"]
    assert base64.b64decode(backend.items[slot]) == new_key
    with Memloci.open(home, create=False) as memloci:  # and no prompt again
        assert memloci._parts.keys.data_key == new_key
