"""Password hashing with Argon2id (argon2-cffi, its RFC 9106 defaults).

The web extra is needed: without it this module raises
:class:`~pitstop.errors.DependencyError` (exit 2) naming ``pip install 'pitstop[web]'``.
"""

from __future__ import annotations

import functools
from typing import Any

from pitstop.errors import DependencyError, UsageError

MIN_LENGTH = 8
MAX_LENGTH = 1024
WEB_EXTRA = "pip install 'pitstop[web]'"


def missing_extra(what: str, exc: ImportError) -> DependencyError:
    """The error for a missing web library: exit 2 and the install line."""
    name = exc.name or str(exc)
    return DependencyError(f"{what} needs {name}, which is not installed",
                           hint=f"install the web extra: {WEB_EXTRA}")


@functools.lru_cache(maxsize=1)
def _hasher() -> Any:
    try:
        from argon2 import PasswordHasher
    except ImportError as exc:
        raise missing_extra("hashing passwords", exc) from exc
    return PasswordHasher()


def check_strength(password: str) -> None:
    """Refuse passwords that are too short or absurdly long (exit 3)."""
    if len(password) < MIN_LENGTH:
        raise UsageError(f"the password is too short ({len(password)} characters)",
                         hint=f"use at least {MIN_LENGTH} characters; a passphrase is best")
    if len(password) > MAX_LENGTH:
        raise UsageError(f"the password is too long ({len(password)} characters)",
                         hint=f"use at most {MAX_LENGTH} characters")


def hash_password(password: str) -> str:
    """The Argon2id PHC string of ``password`` (salted; never the same twice)."""
    result: str = _hasher().hash(password)
    return result


def verify_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches the ``stored`` hash (False for a malformed hash)."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return bool(_hasher().verify(stored, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@functools.lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash to verify against when the user does not exist, so that a wrong name
    takes as long as a wrong password."""
    return hash_password("pitstop: no such user")
