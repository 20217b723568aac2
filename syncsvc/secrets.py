"""Encryption at rest for tokens, with a key kept outside the store.

The key is `SYNCSVC_SECRET_KEY` (a Fernet key) when set, else the owner-only
file `secret.key` in the home folder, created on first use. Fernet (AES-128-CBC
with HMAC-SHA256, from `cryptography`) is used rather than anything hand-made.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from syncsvc.errors import ConfigError, StoreError
from syncsvc.private_files import write_private

KEY_FILE_NAME = "secret.key"
KEY_ENVIRONMENT_VARIABLE = "SYNCSVC_SECRET_KEY"


class SecretBox:
    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError):
            raise ConfigError(
                "the secret key is not a valid Fernet key",
                hint=f"check {KEY_ENVIRONMENT_VARIABLE} or the {KEY_FILE_NAME} file",
            ) from None

    def encrypt(self, plaintext: bytes) -> bytes:
        return self._fernet.encrypt(plaintext)

    def decrypt(self, ciphertext: bytes) -> bytes:
        try:
            return self._fernet.decrypt(ciphertext)
        except InvalidToken:
            raise StoreError(
                "stored secrets cannot be decrypted with this secret key",
                hint=f"use the key the store was created with ({KEY_ENVIRONMENT_VARIABLE}"
                f" or {KEY_FILE_NAME}), or reconnect the accounts",
            ) from None

    def __repr__(self) -> str:
        return "SecretBox(<hidden>)"


def load_secret_box(home: Path, *, create: bool) -> SecretBox:
    from_environment = os.environ.get(KEY_ENVIRONMENT_VARIABLE)
    if from_environment:
        return SecretBox(from_environment.encode())
    key_file = home / KEY_FILE_NAME
    if key_file.exists():
        return SecretBox(key_file.read_bytes().strip())
    if not create:
        raise StoreError(
            f"no secret key at {key_file}",
            hint=f"restore it, set {KEY_ENVIRONMENT_VARIABLE}, or run syncsvc init",
        )
    key = Fernet.generate_key()
    write_private(key_file, key + b"\n")
    return SecretBox(key)
