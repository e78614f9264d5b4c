"""Password hashing with argon2id (argon2-cffi). The hasher is injectable so tests can use
cheap parameters; production uses argon2-cffi's defaults (RFC 9106 low-memory profile)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = [
    "CHEAP_HASHER",
    "DEFAULT_HASHER",
    "PasswordHasher",
    "dummy_hash",
    "hash_password",
    "verify_password",
    "verify_with_equal_cost",
]

#: argon2-cffi's default parameters (time_cost=3, memory_cost=64 MiB, parallelism=4).
DEFAULT_HASHER = PasswordHasher()
#: Deliberately weak parameters for tests only: hashes in well under a millisecond.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, hash_len=16, salt_len=8)


def hash_password(password: str, hasher: PasswordHasher = DEFAULT_HASHER) -> str:
    if not password:
        raise ValueError("密码不能为空 / password must not be empty")
    return hasher.hash(password)


def verify_password(
    stored_hash: str | None, password: str, hasher: PasswordHasher = DEFAULT_HASHER
) -> bool:
    """True when ``password`` matches ``stored_hash``; False for a mismatch or no hash.

    Verification reads the parameters from the hash itself, so hashes made with other
    parameters still verify."""
    if not stored_hash:
        return False
    try:
        return hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


#: The argon2id hash (production parameters) of a random password that was thrown away:
#: what an unknown user's password is verified against. Fixed in the code so the first
#: unknown user of a process costs no extra hashing.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$RDmCta5T9dUjjgokeaigMw$fd7IO+9cSNWt48YiFjLim4Bj1PHQJ5ER2iOFXwHSwYY"


def dummy_hash() -> str:
    return _DUMMY_HASH


def verify_with_equal_cost(stored_hash: str | None, password: str) -> bool:
    """Like :func:`verify_password`, but a missing hash (an unknown user, a user without a
    password) still costs one argon2 verification, so the answer's timing does not tell
    whether the user exists."""
    if not stored_hash:
        verify_password(dummy_hash(), password)
        return False
    return verify_password(stored_hash, password)
