"""Keys, ciphers and unlocking."""
