"""Failure classification and bounded exponential backoff for calls to a cloud provider.

A failed call is sorted into one of four kinds (:func:`classify`), looking at the exception and
the exceptions it was raised from:

=============  ============================================================  ====================
kind           examples                                                      what happens
=============  ============================================================  ====================
``AUTH``       HTTP 401/403, expired or unknown AWS token, no credentials    never retried
``UNSENT``     HTTP 408/429, throttling, refused connection, connect         retried
               timeout: the request cannot have been acted on
``AMBIGUOUS``  read timeout, connection reset, HTTP 5xx: the provider may    retried if the call
               have acted on it                                              is safe to repeat
``FATAL``      any other error (a bad request, an unknown device, ...)       never retried
=============  ============================================================  ====================

:class:`RetryPolicy` waits ``base_delay * factor**k`` seconds (capped at ``max_delay``) before
retry ``k + 1``, at most ``attempts - 1`` times. The base delay is read from the environment
variable ``QSPECTRAL_RETRY_BASE`` (seconds) by :meth:`RetryPolicy.from_env`.

Example:
    >>> RetryPolicy(attempts=4, base_delay=0.5, factor=2.0).delays()
    [0.5, 1.0, 2.0]
    >>> classify(ConnectionResetError(104, "Connection reset by peer")).name
    'AMBIGUOUS'
"""

from __future__ import annotations

import enum
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from qspectral.cloud.redact import redact
from qspectral.errors import CredentialsError, InvalidJobError, ProviderError, QSpectralError

T = TypeVar("T")
log = logging.getLogger("qspectral.cloud")

_AUTH_CODES = {
    "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException",
    "ExpiredToken", "AccessDeniedException", "InvalidClientTokenId", "UnauthorizedException",
}
_THROTTLE_CODES = {"ThrottlingException", "TooManyRequestsException", "Throttling", "RequestLimitExceeded"}
_UNSENT_NAMES = {"ConnectTimeout", "ConnectTimeoutError", "EndpointConnectionError", "ConnectionRefusedError"}
# InvalidAccountError: qiskit-ibm-runtime's "Unable to retrieve instances ... valid API token" (an IAM 400).
_AUTH_NAMES = {
    "NoCredentialsError", "PartialCredentialsError", "AccountNotFoundError", "IBMNotAuthorizedError", "InvalidAccountError",
}


class Failure(enum.Enum):
    """How a failed provider call may be handled (see the module docstring)."""

    AUTH = "auth"
    UNSENT = "unsent"
    AMBIGUOUS = "ambiguous"
    FATAL = "fatal"


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def http_status(exc: BaseException) -> int | None:
    """The HTTP status behind ``exc`` or an exception it came from (None when there is none)."""
    for e in _chain(exc):
        code = getattr(e, "status_code", None)
        if isinstance(code, int) and code > 0:
            return code
        response = getattr(e, "response", None)
        if isinstance(response, dict):  # botocore ClientError
            code = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        else:  # requests.HTTPError
            code = getattr(response, "status_code", None)
        if isinstance(code, int) and code > 0:
            return code
    return None


def _error_code(exc: BaseException) -> str | None:
    for e in _chain(exc):
        response = getattr(e, "response", None)
        if isinstance(response, dict) and response.get("Error", {}).get("Code"):
            return str(response["Error"]["Code"])
    return None


def classify(exc: BaseException) -> Failure:
    """Sort a provider exception into AUTH, UNSENT, AMBIGUOUS or FATAL."""
    names = {cls.__name__ for e in _chain(exc) for cls in type(e).__mro__}
    code = _error_code(exc)
    status = http_status(exc)
    if names & _AUTH_NAMES or code in _AUTH_CODES or status in (401, 403):
        return Failure.AUTH
    if code in _THROTTLE_CODES or status in (408, 429) or names & _UNSENT_NAMES:
        return Failure.UNSENT
    if status is not None:
        return Failure.AMBIGUOUS if status >= 500 else Failure.FATAL
    if any(isinstance(e, (TimeoutError, ConnectionError)) for e in _chain(exc)):
        return Failure.AMBIGUOUS
    if names & {"Timeout", "ReadTimeout", "ReadTimeoutError", "ConnectionClosedError", "HTTPClientError"}:
        return Failure.AMBIGUOUS
    if "ConnectionError" in names:  # requests' and botocore's, which are not the built-in one
        return Failure.AMBIGUOUS
    return Failure.FATAL


def describe(exc: BaseException) -> str:
    """A short, redacted one-line description of ``exc`` (type, HTTP status, message)."""
    status = http_status(exc)
    text = f"{type(exc).__name__}" + (f" (HTTP {status})" if status else "")
    message = " ".join(str(exc).split())
    if message:
        text += f": {message[:300]}"
    return redact(text)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff: at most ``attempts`` calls, waiting ``base_delay * factor**k``."""

    attempts: int = 5
    base_delay: float = 1.0
    factor: float = 2.0
    max_delay: float = 30.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.base_delay < 0 or self.factor < 1 or self.max_delay < 0:
            raise InvalidJobError(
                f"invalid retry policy {self}: need attempts >= 1, base_delay >= 0, factor >= 1, "
                "max_delay >= 0"
            )

    @classmethod
    def from_env(cls) -> "RetryPolicy":
        """The default policy with ``base_delay`` from ``QSPECTRAL_RETRY_BASE`` when set."""
        raw = os.environ.get("QSPECTRAL_RETRY_BASE")
        if raw is None:
            return cls()
        try:
            return cls(base_delay=float(raw))
        except ValueError:
            raise InvalidJobError(
                f"QSPECTRAL_RETRY_BASE={raw!r} is not a number of seconds; set it to e.g. 0.5 or unset it"
            ) from None

    def delays(self) -> list[float]:
        """The waits before retries 1, 2, ... (``attempts - 1`` of them)."""
        return [min(self.base_delay * self.factor**k, self.max_delay) for k in range(self.attempts - 1)]


def call_with_retry(
    fn: Callable[[], T],
    *,
    what: str,
    policy: RetryPolicy,
    credential_hint: str,
    on_ambiguous: Callable[[str], T | None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``fn``, retrying UNSENT and AMBIGUOUS failures with ``policy``'s backoff.

    ``on_ambiguous`` guards calls that must not be repeated blindly (a submission): it receives
    the failure's description and returns the call's result if it finds the call took effect
    after all, returns None to allow a retry, or raises. AUTH failures raise CredentialsError
    with ``credential_hint``; FATAL ones and the last failed attempt raise ProviderError. Raised
    errors carry redacted text only and are not chained to the provider's exception (which may
    hold a secret).
    """
    delays = policy.delays()
    attempt = 0
    while True:
        attempt += 1
        try:
            return fn()
        except QSpectralError:
            raise
        except Exception as exc:  # noqa: BLE001 - every provider failure is classified below
            kind = classify(exc)
            detail = describe(exc)
        # Raised outside the except block, so the provider's exception is not chained.
        if kind is Failure.AUTH:
            raise CredentialsError(f"{what} was refused ({detail}); {credential_hint}")
        if kind is Failure.FATAL:
            raise ProviderError(f"{what} failed: {detail}")
        if kind is Failure.AMBIGUOUS and on_ambiguous is not None:
            found = on_ambiguous(detail)
            if found is not None:
                return found
        if attempt == policy.attempts:
            raise ProviderError(
                f"{what} failed after {policy.attempts} attempts; last error: {detail}. "
                "The provider may be down or throttling: try again later"
            )
        delay = delays[attempt - 1]
        log.warning(
            "%s: attempt %d/%d failed (%s, %s); retrying in %.3g s",
            what, attempt, policy.attempts, kind.value, detail, delay,
        )
        sleep(delay)
