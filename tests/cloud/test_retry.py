"""Failure classification of real provider exceptions, and bounded exponential backoff."""

from __future__ import annotations

import pytest

from qspectral.cloud.retry import Failure, RetryPolicy, call_with_retry, classify, describe, http_status
from qspectral.errors import CredentialsError, InvalidJobError, ProviderError


def _ibm(kind):
    pytest.importorskip("qiskit_ibm_runtime", reason="the [cloud] extra is not installed")
    import netfakes

    return netfakes.ibm_error(kind, "tok")


def _aws(kind):
    pytest.importorskip("botocore", reason="the [cloud] extra is not installed")
    import netfakes

    return netfakes.aws_error(kind, "CreateQuantumTask")


@pytest.mark.parametrize(
    "make, kind",
    [
        (lambda: _ibm("401"), Failure.AUTH),
        (lambda: _ibm("429"), Failure.UNSENT),
        (lambda: _ibm("503"), Failure.AMBIGUOUS),
        (lambda: _ibm("connect_timeout"), Failure.UNSENT),
        (lambda: _ibm("timeout"), Failure.AMBIGUOUS),
        (lambda: _ibm("reset"), Failure.AMBIGUOUS),
        (lambda: _aws("401"), Failure.AUTH),
        (lambda: _aws("429"), Failure.UNSENT),
        (lambda: _aws("500"), Failure.AMBIGUOUS),
        (lambda: _aws("connect"), Failure.UNSENT),
        (lambda: _aws("timeout"), Failure.AMBIGUOUS),
        (lambda: _aws("reset"), Failure.AMBIGUOUS),
        (lambda: ConnectionResetError(104, "Connection reset by peer"), Failure.AMBIGUOUS),
        (lambda: ConnectionRefusedError(111, "Connection refused"), Failure.UNSENT),
        (lambda: TimeoutError("timed out"), Failure.AMBIGUOUS),
        (lambda: ValueError("bad circuit"), Failure.FATAL),
    ],
)
def test_classify(make, kind):
    assert classify(make()) is kind


def test_classify_looks_through_wrapping_exceptions():
    inner = _ibm("401")
    try:
        try:
            raise inner
        except Exception as exc:
            raise RuntimeError("IBM call failed") from exc
    except RuntimeError as outer:
        assert classify(outer) is Failure.AUTH
        assert http_status(outer) == 401


def test_describe_redacts_and_shortens(monkeypatch):
    monkeypatch.setenv("QISKIT_IBM_TOKEN", "sentinel-abc-123")
    text = describe(RuntimeError("bad token sentinel-abc-123 " + "x" * 1000))
    assert "sentinel-abc-123" not in text and "***" in text and len(text) < 340


def test_policy_delays_grow_exponentially_and_are_capped():
    assert RetryPolicy(attempts=6, base_delay=1.0, factor=2.0, max_delay=5.0).delays() == [1, 2, 4, 5, 5]
    assert RetryPolicy(attempts=1).delays() == []


def test_policy_from_env(monkeypatch):
    monkeypatch.setenv("QSPECTRAL_RETRY_BASE", "0.25")
    assert RetryPolicy.from_env().base_delay == 0.25
    monkeypatch.setenv("QSPECTRAL_RETRY_BASE", "soon")
    with pytest.raises(InvalidJobError, match="QSPECTRAL_RETRY_BASE='soon'"):
        RetryPolicy.from_env()
    with pytest.raises(InvalidJobError, match="attempts >= 1"):
        RetryPolicy(attempts=0)


def _script(*outcomes):
    """A call that raises/returns the given outcomes in order, counting its calls."""
    calls = []

    def fn():
        calls.append(1)
        item = outcomes[len(calls) - 1]
        if isinstance(item, BaseException):
            raise item
        return item

    return fn, calls


def test_transient_failures_are_retried_with_backoff():
    fn, calls = _script(ConnectionRefusedError(), TimeoutError(), "job-1")
    sleeps = []
    policy = RetryPolicy(attempts=4, base_delay=0.5, factor=3.0)
    assert call_with_retry(fn, what="x", policy=policy, credential_hint="", sleep=sleeps.append) == "job-1"
    assert len(calls) == 3 and sleeps == [0.5, 1.5]


def test_retries_are_bounded():
    fn, calls = _script(*[TimeoutError("slow")] * 3)
    sleeps = []
    with pytest.raises(ProviderError, match="reading status failed after 3 attempts; last error: TimeoutError: slow"):
        call_with_retry(fn, what="reading status", policy=RetryPolicy(attempts=3, base_delay=0.1),
                        credential_hint="", sleep=sleeps.append)
    assert len(calls) == 3 and sleeps == [0.1, 0.2]


def test_auth_failure_is_not_retried_and_says_what_to_fix():
    fn, calls = _script(_ibm("401"))
    with pytest.raises(CredentialsError, match="HTTP 401.*set QISKIT_IBM_TOKEN") as info:
        call_with_retry(fn, what="submitting", policy=RetryPolicy(), credential_hint="set QISKIT_IBM_TOKEN",
                        sleep=pytest.fail)
    assert len(calls) == 1
    assert info.value.__cause__ is None and info.value.__context__ is None  # provider exception not chained


def test_fatal_failure_is_not_retried():
    fn, calls = _script(ValueError("unknown gate"))
    with pytest.raises(ProviderError, match="submitting failed: ValueError: unknown gate"):
        call_with_retry(fn, what="submitting", policy=RetryPolicy(), credential_hint="", sleep=pytest.fail)
    assert len(calls) == 1


def test_ambiguous_failure_consults_the_guard():
    fn, calls = _script(TimeoutError("lost response"), "never")
    seen = []
    result = call_with_retry(fn, what="submitting", policy=RetryPolicy(), credential_hint="",
                             on_ambiguous=lambda detail: seen.append(detail) or "found-remotely", sleep=pytest.fail)
    assert result == "found-remotely" and len(calls) == 1 and "lost response" in seen[0]


def test_an_invalid_ibm_api_key_is_a_credentials_problem_not_throttling():
    pytest.importorskip("qiskit_ibm_runtime", reason="the [cloud] extra is not installed")
    from ibm_cloud_sdk_core import ApiException
    from qiskit_ibm_runtime.accounts.exceptions import InvalidAccountError

    from qspectral.cloud.retry import Failure, classify

    # What QiskitRuntimeService raises when IAM rejects the key (qiskit-ibm-runtime 0.51).
    try:
        try:
            raise ApiException(400, message="BXNIM0415E: Provided API key could not be found.")
        except ApiException as cause:
            raise InvalidAccountError(
                "Unable to retrieve instances. Please check that you are using a valid API token."
            ) from cause
    except InvalidAccountError as exc:
        assert classify(exc) is Failure.AUTH
