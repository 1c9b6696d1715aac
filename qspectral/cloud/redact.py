"""Keep secrets out of every message qspectral prints, logs, raises or stores.

Credentials come only from the environment or the providers' own credential stores. Before any
text from a provider (an exception message, a status detail) reaches a log line, an exception, the
job store or a result file it goes through :func:`redact`, which replaces the value of every
variable in :data:`SECRET_ENV_VARS` and every value passed to :func:`register_secret` by ``***``.

Example:
    >>> register_secret("s3cr3t-token")
    >>> redact("401: token s3cr3t-token rejected")
    '401: token *** rejected'
"""

from __future__ import annotations

import os

#: Environment variables whose values are secrets.
SECRET_ENV_VARS = (
    "QISKIT_IBM_TOKEN",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ACCESS_KEY_ID",
)

_MIN_LENGTH = 4  # shorter values would redact ordinary words
_registered: set[str] = set()


def register_secret(value: str | None) -> None:
    """Also redact ``value`` (e.g. a token read from a provider's saved account) from now on."""
    if value and len(value) >= _MIN_LENGTH:
        _registered.add(value)


def redact(text: str) -> str:
    """Return ``text`` with every known secret replaced by ``***``."""
    secrets = set(_registered)
    secrets.update(v for name in SECRET_ENV_VARS if len(v := os.environ.get(name, "")) >= _MIN_LENGTH)
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
