"""Where cloud jobs run: one small interface over Aer, IBM Quantum and Amazon Braket.

=========  =====================================================  ================================
provider   backend names                                          runs
=========  =====================================================  ================================
``local``  ``aer``                                                Qiskit Aer sampling, in process
``ibm``    ``fake_sherbrooke``, ``fake_manila``, ... (Qiskit's    the same ``SamplerV2`` path on a
           fake backends, noisy, in process) or a device name     noisy local copy of the device, or
           such as ``ibm_brisbane``                               IBM Quantum (``QiskitRuntimeService``)
``braket`` ``local`` (``LocalSimulator``) or a device ARN such    Braket's local simulator in
           as ``arn:aws:braket:::device/quantum-simulator/        process, or Amazon Braket
           amazon/sv1``                                           (``AwsDevice``)
=========  =====================================================  ================================

Dynamic circuits (reset, mid-circuit measurement, classical ``if``) run on ``local`` and
``ibm`` (Aer and the fake backends run them; IBM devices support them); ``braket`` refuses them
before a job is recorded.

Every provider returns counts ``{outcome: count}`` in qspectral's bit order (bit ``j`` of an
outcome is the measured value of qubit ``measured[j]``; see :mod:`qspectral.cloud.program`).

Credentials: IBM reads the token from ``QISKIT_IBM_TOKEN`` (and the instance CRN from
``QISKIT_IBM_INSTANCE``), else Qiskit's saved account; Braket uses the standard AWS credential
chain (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE``, ``~/.aws``). Neither is
ever stored or printed (:mod:`qspectral.cloud.redact`).

Jobs of the in-process backends (``aer``, fake IBM backends, Braket ``local``) live in this
process only: their results must be read before it ends. Remote jobs are tagged with the job
store's id (IBM job tag / Braket task tag ``qspectral-job``), so a job whose submission was
interrupted can be found again on IBM (:meth:`Provider.lookup`).

Example:
    >>> from qspectral.cloud.program import SamplingProgram, qft_roundtrip
    >>> provider = get_provider("local")
    >>> program = SamplingProgram.from_circuit(qft_roundtrip(3, 6))
    >>> job = provider.submit(program, shots=100, tag="example")
    >>> provider.result(job, program)
    {6: 100}
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from abc import ABC, abstractmethod
from typing import Any, ClassVar

from qspectral.cloud.program import SamplingProgram
from qspectral.quantum.measurements import int_counts
from qspectral.cloud.redact import register_secret
from qspectral.errors import (
    BackendUnavailableError,
    CredentialsError,
    InvalidJobError,
    JobLostError,
    JobStateError,
    ProviderError,
    UnknownBackendError,
)

CLOUD_EXTRA = 'pip install "qspectral[cloud]"'
TOKEN_VAR = "QISKIT_IBM_TOKEN"
INSTANCE_VAR = "QISKIT_IBM_INSTANCE"
TAG_PREFIX = "qspectral-job"

#: Provider states -> qspectral states (``submitted``, ``running``, ``done``, ``failed``, ``cancelled``).
_STATES = {
    "INITIALIZING": "submitted", "QUEUED": "submitted", "VALIDATING": "submitted",
    "CREATED": "submitted", "RUNNING": "running", "CANCELLING": "running", "DONE": "done",
    "COMPLETED": "done", "ERROR": "failed", "FAILED": "failed", "CANCELLED": "cancelled",
}

#: Handles of jobs that run inside this process, by remote id.
_IN_PROCESS: dict[str, Any] = {}


def _state(raw: Any) -> str:
    name = str(getattr(raw, "name", raw)).upper()
    try:
        return _STATES[name]
    except KeyError:
        raise ProviderError(
            f"the provider reported a job state qspectral does not know ({name!r}); "
            "please report it, with the provider and backend"
        ) from None


def _in_process(remote_id: str) -> Any:
    try:
        return _IN_PROCESS[remote_id]
    except KeyError:
        raise JobLostError(
            f"job {remote_id} ran on an in-process simulator inside a process that has ended, so "
            "its result is gone; resubmit it with `qspectral jobs resubmit ID`"
        ) from None


def _require(module: str, provider: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise BackendUnavailableError(
            f"the '{provider}' provider needs the Python package '{module}'; run: {CLOUD_EXTRA} "
            "(or use --provider local)"
        )


class Provider(ABC):
    """A place to run sampling jobs. Subclasses set ``name`` and implement the four calls.

    ``in_process`` jobs exist only in this process; ``can_lookup`` says whether :meth:`lookup`
    can find a job by its tag. ``credential_hint`` tells a user how to fix rejected credentials.
    """

    name: ClassVar[str]
    credential_hint: ClassVar[str] = ""

    def __init__(self, backend: str) -> None:
        self.backend = backend

    @property
    def in_process(self) -> bool:
        """True when jobs run inside this process (and die with it)."""
        return True

    @property
    def can_lookup(self) -> bool:
        """True when :meth:`lookup` can find a submitted job by its tag."""
        return False

    def check(self, program: SamplingProgram) -> None:
        """Cheap checks (credentials present, circuit fits) before a job is recorded."""

    @abstractmethod
    def submit(self, program: SamplingProgram, shots: int, tag: str) -> str:
        """Send ``program`` for ``shots`` shots, tagged ``tag``; return the remote job id."""

    @abstractmethod
    def status(self, remote_id: str) -> str:
        """``submitted``, ``running``, ``done``, ``failed`` or ``cancelled``."""

    @abstractmethod
    def result(self, remote_id: str, program: SamplingProgram) -> dict[int, int]:
        """Counts of a finished job in qspectral's bit order."""

    def cancel(self, remote_id: str) -> None:
        """Ask the provider to cancel the job."""
        raise JobStateError(
            f"jobs on the in-process backend '{self.backend}' finish before the command that "
            "submitted them returns; there is nothing to cancel (if that command was interrupted, "
            "`qspectral jobs sync` marks the job needs_resubmit and `qspectral jobs resubmit ID` runs it again)"
        )

    def failure_reason(self, remote_id: str) -> str:
        """Why the provider says the job failed (empty when it gives no reason)."""
        return ""

    def lookup(self, tag: str) -> str | None:
        """The remote id of the job tagged ``tag``, or None when none is found (or unsupported)."""
        return None


class LocalProvider(Provider):
    """Qiskit Aer sampling (``aer``): the noiseless reference."""

    name = "local"

    def __init__(self, backend: str = "aer") -> None:
        if backend != "aer":
            raise UnknownBackendError(
                f"the local provider has one backend, 'aer'; got {backend!r} (for IBM's fake "
                "devices use --provider ibm, for Braket's simulator --provider braket --backend local)"
            )
        super().__init__(backend)

    def submit(self, program: SamplingProgram, shots: int, tag: str) -> str:
        from qiskit import transpile
        from qiskit_aer import AerSimulator
        from qiskit_aer.primitives import SamplerV2

        circuit = transpile(program.measured_circuit(), AerSimulator(), optimization_level=0)
        job = SamplerV2().run([circuit], shots=shots)
        _IN_PROCESS[job.job_id()] = job
        return job.job_id()

    def status(self, remote_id: str) -> str:
        return _state(_in_process(remote_id).status())

    def result(self, remote_id: str, program: SamplingProgram) -> dict[int, int]:
        return int_counts(_in_process(remote_id).result()[0])


def fake_ibm_backends() -> dict[str, type]:
    """Qiskit's fake IBM backends by name (``fake_sherbrooke`` -> ``FakeSherbrooke``)."""
    _require("qiskit_ibm_runtime", "ibm")
    from qiskit_ibm_runtime import fake_provider
    from qiskit_ibm_runtime.fake_provider.fake_backend import FakeBackendV2

    return {
        cls.backend_name: cls
        for cls in vars(fake_provider).values()
        if isinstance(cls, type) and issubclass(cls, FakeBackendV2) and getattr(cls, "backend_name", None)
    }


class IBMProvider(Provider):
    """IBM Quantum through ``qiskit-ibm-runtime``: ISA transpilation (preset pass manager,
    optimisation level 1) and ``SamplerV2``, on a real device or on a fake backend locally.

    ``SamplerV2`` is deprecated from qiskit-ibm-runtime 0.50 in favour of a client-side sampler;
    it is used (with that one warning silenced) because it is the path every supported version
    (0.40 - 0.51) shares and whose jobs ``service.job(id)`` can read back in a later process.
    """

    name = "ibm"
    credential_hint = (
        f"set {TOKEN_VAR} to a valid IBM Quantum API key (and {INSTANCE_VAR} to your instance CRN "
        "if you have several), or save an account with QiskitRuntimeService.save_account(); "
        "to run offline use --backend fake_sherbrooke or --provider local"
    )

    def __init__(self, backend: str = "fake_sherbrooke") -> None:
        _require("qiskit_ibm_runtime", "ibm")
        super().__init__(backend)
        self.fake = backend.startswith("fake_")
        if self.fake:
            known = fake_ibm_backends()
            if backend not in known:
                raise UnknownBackendError(
                    f"no fake IBM backend named {backend!r}; known ones include "
                    f"{', '.join(sorted(known)[:8])}, ... ({len(known)} in all)"
                )
            self._device = known[backend]()
        else:
            self._device = None
        self._service = None

    @property
    def in_process(self) -> bool:
        return self.fake

    @property
    def can_lookup(self) -> bool:
        return not self.fake

    def check(self, program: SamplingProgram) -> None:
        if self.fake:
            if program.num_qubits > self._device.num_qubits:
                raise InvalidJobError(
                    f"the circuit has {program.num_qubits} qubits but {self.backend} has "
                    f"{self._device.num_qubits}; pick a larger backend or a smaller circuit"
                )
            return
        from qiskit_ibm_runtime import QiskitRuntimeService

        if not os.environ.get(TOKEN_VAR) and not QiskitRuntimeService.saved_accounts():
            raise CredentialsError(
                f"no IBM Quantum credentials: the environment variable {TOKEN_VAR} is not set and "
                "no saved Qiskit account was found; set it to your API key (export "
                f"{TOKEN_VAR}=...), or run offline with --backend fake_sherbrooke or --provider local"
            )

    def service(self) -> Any:
        """The ``QiskitRuntimeService`` (created on first use; network)."""
        if self._service is None:
            from qiskit_ibm_runtime import QiskitRuntimeService

            token = os.environ.get(TOKEN_VAR)
            if token:
                register_secret(token)
                service = QiskitRuntimeService(
                    channel="ibm_quantum_platform", token=token, instance=os.environ.get(INSTANCE_VAR)
                )
            else:
                service = QiskitRuntimeService()
            register_secret((service.active_account() or {}).get("token"))
            self._service = service
        return self._service

    def device(self) -> Any:
        """The backend object (the fake device, or the service's backend; network)."""
        if self._device is None:
            self._device = self.service().backend(self.backend)
        return self._device

    def _job(self, remote_id: str) -> Any:
        return _in_process(remote_id) if self.fake else self.service().job(remote_id)

    def submit(self, program: SamplingProgram, shots: int, tag: str) -> str:
        from qiskit.transpiler import generate_preset_pass_manager
        from qiskit_ibm_runtime import SamplerV2

        device = self.device()
        if program.num_qubits > device.num_qubits:
            raise InvalidJobError(
                f"the circuit has {program.num_qubits} qubits but {self.backend} has {device.num_qubits}"
            )
        isa = generate_preset_pass_manager(optimization_level=1, backend=device).run(
            program.measured_circuit()
        )
        options = None if self.fake else {"environment": {"job_tags": [f"{TAG_PREFIX}:{tag}"]}}
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The SamplerV2 class is deprecated", category=DeprecationWarning)
            sampler = SamplerV2(mode=device, options=options)
        job = sampler.run([isa], shots=shots)
        if self.fake:
            _IN_PROCESS[job.job_id()] = job
        return job.job_id()

    def status(self, remote_id: str) -> str:
        return _state(self._job(remote_id).status())

    def result(self, remote_id: str, program: SamplingProgram) -> dict[int, int]:
        return int_counts(self._job(remote_id).result()[0])

    def cancel(self, remote_id: str) -> None:
        if self.fake:
            return super().cancel(remote_id)
        self.service().job(remote_id).cancel()

    def failure_reason(self, remote_id: str) -> str:
        if self.fake:
            return ""
        return str(self.service().job(remote_id).error_message() or "")

    def lookup(self, tag: str) -> str | None:
        if self.fake:
            return None
        found = self.service().jobs(job_tags=[f"{TAG_PREFIX}:{tag}"], limit=1)
        return found[0].job_id() if found else None


class BraketProvider(Provider):
    """Amazon Braket through ``amazon-braket-sdk``: ``LocalSimulator`` or ``AwsDevice(arn)``.

    The circuit is converted gate by gate (:func:`qspectral.cloud.braket_circuit.to_braket`,
    exact) and Braket's bitstrings are turned into qspectral outcomes.
    """

    name = "braket"
    credential_hint = (
        "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN for temporary "
        "credentials) or AWS_PROFILE, and AWS_DEFAULT_REGION, or run `aws configure`; to run "
        "offline use --backend local"
    )

    def __init__(self, backend: str = "local") -> None:
        _require("braket", "braket")
        if backend != "local" and not backend.startswith("arn:aws:braket:"):
            raise UnknownBackendError(
                f"unknown Braket backend {backend!r}; use 'local' for the local simulator or a "
                "device ARN such as arn:aws:braket:::device/quantum-simulator/amazon/sv1"
            )
        super().__init__(backend)

    @property
    def in_process(self) -> bool:
        return self.backend == "local"

    def check(self, program: SamplingProgram) -> None:
        if program.dynamic is not None:
            raise InvalidJobError(
                "the circuit is dynamic (reset, mid-circuit measurement or classical 'if'), which qspectral "
                "sends to Braket only as unitary gates; run it with --provider local or --provider ibm "
                "(e.g. --backend fake_sherbrooke)"
            )
        if self.in_process:
            return
        import boto3

        if boto3.Session().get_credentials() is None:
            raise CredentialsError(
                "no AWS credentials found for Amazon Braket; " + self.credential_hint
            )

    def _task(self, remote_id: str) -> Any:
        if self.in_process:
            return _in_process(remote_id)
        from braket.aws import AwsQuantumTask

        return AwsQuantumTask(remote_id)

    def submit(self, program: SamplingProgram, shots: int, tag: str) -> str:
        from qspectral.cloud.braket_circuit import to_braket

        circuit = to_braket(program.unitary)
        if not circuit.instructions:  # Braket rejects an empty circuit; an identity reads the same
            circuit.i(program.measured[0])
        if self.in_process:
            from braket.devices import LocalSimulator

            task = LocalSimulator().run(circuit, shots=shots)
            _IN_PROCESS[task.id] = task
            return task.id
        from braket.aws import AwsDevice

        return AwsDevice(self.backend).run(circuit, shots=shots, tags={TAG_PREFIX: tag}).id

    def status(self, remote_id: str) -> str:
        return _state(self._task(remote_id).state())

    def result(self, remote_id: str, program: SamplingProgram) -> dict[int, int]:
        from qspectral.cloud.braket_circuit import outcome_counts

        res = self._task(remote_id).result()
        return outcome_counts(res.measurement_counts, res.measured_qubits, program.measured)

    def cancel(self, remote_id: str) -> None:
        if self.in_process:
            return super().cancel(remote_id)
        self._task(remote_id).cancel()

    def failure_reason(self, remote_id: str) -> str:
        if self.in_process:
            return ""
        return str(self._task(remote_id).metadata().get("failureReason") or "")


#: Provider name -> (class, default backend). Defaults are offline, so nothing is billed by accident.
PROVIDERS: dict[str, tuple[type[Provider], str]] = {
    "local": (LocalProvider, "aer"),
    "ibm": (IBMProvider, "fake_sherbrooke"),
    "braket": (BraketProvider, "local"),
}


def get_provider(name: str, backend: str | None = None) -> Provider:
    """The provider ``name`` on ``backend`` (default: the provider's offline simulator).

    Example:
        >>> get_provider("local").backend
        'aer'
    """
    try:
        cls, default = PROVIDERS[name]
    except KeyError:
        raise UnknownBackendError(
            f"unknown provider {name!r}; choose one of {', '.join(PROVIDERS)}"
        ) from None
    return cls(backend or default)
