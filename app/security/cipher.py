"""AES-GCM for single values (vault secrets, vectors): nonce || ciphertext, bound to an id."""

from __future__ import annotations

import secrets

from app.errors import StoreCorrupt


class FieldCipher:
    def __init__(self, key: bytes) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aead = AESGCM(key)

    def encrypt(self, plaintext: bytes, context: str) -> bytes:
        nonce = secrets.token_bytes(12)
        return nonce + self._aead.encrypt(nonce, plaintext, context.encode("utf-8"))

    def decrypt(self, blob: bytes, context: str) -> bytes:
        from cryptography.exceptions import InvalidTag

        try:
            return self._aead.decrypt(blob[:12], blob[12:], context.encode("utf-8"))
        except (InvalidTag, ValueError):
            raise StoreCorrupt(
                "An encrypted value failed its integrity check; the store may be damaged. "
                "Run `memloci doctor`."
            ) from None

    def encrypt_text(self, text: str, context: str) -> bytes:
        return self.encrypt(text.encode("utf-8"), context)

    def decrypt_text(self, blob: bytes, context: str) -> str:
        return self.decrypt(blob, context).decode("utf-8")
