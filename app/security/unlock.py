"""Finding the passphrase: explicit argument, `MEMLOCI_PASSPHRASE`, the OS keyring, a prompt.

The keyring (only when the person opted in) holds the data key itself, so a passphrase change
does not invalidate it and unlocking skips the KDF.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable

from app.errors import PassphraseRequired

log = logging.getLogger(__name__)

KEYRING_SERVICE = "memloci"
ENV_PASSPHRASE = "MEMLOCI_PASSPHRASE"

Prompt = Callable[[str, bool], str]  # (message, confirm) -> passphrase


def env_passphrase() -> str | None:
    """`MEMLOCI_PASSPHRASE`, still in the environment or already taken out of it at start."""
    from app.security.hardening import secret_env

    return secret_env(ENV_PASSPHRASE)


def keyring_get(install_id: str) -> bytes | None:
    try:
        import keyring

        stored = keyring.get_password(KEYRING_SERVICE, install_id)
    except Exception as error:  # no backend, locked collection, D-Bus missing...
        log.info("keyring unavailable: %s", error.__class__.__name__)
        return None
    return base64.b64decode(stored) if stored else None


def keyring_set(install_id: str, data_key: bytes) -> None:
    import keyring
    from keyring.errors import KeyringError

    from app.errors import ConfigError

    try:
        keyring.set_password(KEYRING_SERVICE, install_id, base64.b64encode(data_key).decode())
    except (KeyringError, RuntimeError) as error:
        raise ConfigError(
            f"The OS keyring refused to store the key ({error}); keep using the passphrase."
        ) from None


def keyring_delete(install_id: str) -> None:
    try:
        import keyring

        keyring.delete_password(KEYRING_SERVICE, install_id)
    except Exception:
        pass


def keyring_available() -> tuple[bool, str]:
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring):
            return False, "no keyring backend"
        return True, backend.__class__.__name__
    except Exception as error:
        return False, str(error)


def require(prompt: Prompt | None, message: str, confirm: bool = False) -> str:
    """Ask through `prompt`, or say plainly how to give the passphrase without one."""
    if prompt is None:
        raise PassphraseRequired(
            f"The memory store is locked: set {ENV_PASSPHRASE}, opt in to the OS keyring, "
            "or run Memloci in a terminal to type the passphrase."
        )
    return prompt(message, confirm)
