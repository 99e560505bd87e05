"""Identity's secrets handling: passwords (Argon2), ID numbers at rest (Fernet), blind indexes
(keyed HMAC-SHA256) and refresh-token hashes. No MongoDB here; no personal data logged.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shared.keyfiles import read_or_create
from shared.settings import Settings

KEY_FILE_NAME = "id-encryption.key"

_hasher = PasswordHasher()
# Verified against when the mobile is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def load_or_create_fernet_key(settings: Settings) -> bytes:
    """``ID_ENCRYPTION_KEY``, or a key generated once into ``DATA_DIR/id-encryption.key`` (0600).

    Replicas of the distributed mode must share one key: set ``ID_ENCRYPTION_KEY`` there.
    """
    if settings.id_encryption_key:
        key = settings.id_encryption_key.encode()
        Fernet(key)  # fail at start-up, not at the first registration, on a malformed key
        return key
    return read_or_create(settings.data_dir / KEY_FILE_NAME, Fernet.generate_key).strip()


@dataclass(frozen=True)
class PersonalDataCipher:
    """Encrypts ID numbers and derives blind indexes (for uniqueness and look-ups) from one
    Fernet key; the HMAC key is derived from it with HKDF so the two never coincide."""

    fernet: Fernet
    index_key: bytes

    @classmethod
    def from_key(cls, key: bytes) -> PersonalDataCipher:
        raw = base64.urlsafe_b64decode(key)
        index_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                         info=b"volunteer-platform/identity/blind-index/v1").derive(raw)
        return cls(Fernet(key), index_key)

    def encrypt(self, value: str) -> str:
        return self.fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        return self.fernet.decrypt(token.encode()).decode()

    def blind_index(self, purpose: str, value: str) -> str:
        message = f"{purpose}\x00{value}".encode()
        return hmac.new(self.index_key, message, hashlib.sha256).hexdigest()


# --- passwords -------------------------------------------------------------------------------

async def hash_password(password: str) -> str:
    """Argon2id, off the event loop (it is deliberately slow)."""
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return False

    ok = await asyncio.to_thread(verify)
    return ok and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# --- refresh tokens --------------------------------------------------------------------------

def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def refresh_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
