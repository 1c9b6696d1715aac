"""Stand-ins for the network side of IBM Quantum and Amazon Braket, for failure-injection tests.

Only the objects that talk to the network are replaced: ``QiskitRuntimeService`` and
``SamplerV2`` (IBM), ``AwsDevice`` and ``AwsQuantumTask`` (Braket). Everything on our side of
them runs for real (transpilation, Braket conversion and serialisation, the job store), and the
"remote" jobs are executed by real simulators (Aer for IBM, Braket's LocalSimulator on the
OpenQASM 3 program the SDK produced), so results are genuine.

The "server" is a JSON file, so a job accepted by one process can be found by another. Faults
are scripted per operation (``connect``, ``submit``, ``status``, ``result``, ``lookup``,
``cancel``) and consumed in order; a fault named ``*_after_accept`` happens after the server
has recorded the job (the response is lost), ``crash_after_accept`` kills the process there.
"""

from __future__ import annotations

import base64
import io
import json
import os
import uuid
from pathlib import Path

URL = "https://quantum.cloud.ibm.com/api/v1/jobs"
AWS_URL = "https://braket.us-east-1.amazonaws.com/quantum-task"


def ibm_error(kind: str, token: str | None) -> Exception:
    """The exception qiskit-ibm-runtime / requests raise for a failure ``kind``; the 401 echoes the token."""
    import requests
    from qiskit_ibm_runtime.api.exceptions import RequestsApiError

    if kind == "401":
        message = f"'401 Client Error: Unauthorized for url: {URL}. Invalid token {token}'"
        return RequestsApiError(message, status_code=401)
    if kind in ("429", "500", "502", "503"):
        return RequestsApiError(f"'{kind} Server Error for url: {URL}'", status_code=int(kind))
    if kind == "connect_timeout":
        return requests.exceptions.ConnectTimeout(f"HTTPSConnectionPool: connect timeout ({URL})")
    if kind.startswith("timeout"):
        return requests.exceptions.ReadTimeout(f"HTTPSConnectionPool: Read timed out. ({URL})")
    if kind.startswith("reset"):
        return requests.exceptions.ConnectionError(ConnectionResetError(104, "Connection reset by peer"))
    raise ValueError(kind)


def aws_error(kind: str, operation: str) -> Exception:
    """The exception botocore raises for a failure ``kind``."""
    from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

    def client_error(code: str, status: int) -> ClientError:
        return ClientError(
            {"Error": {"Code": code, "Message": f"{code} for {operation}"},
             "ResponseMetadata": {"HTTPStatusCode": status}},
            operation,
        )

    if kind == "401":
        return client_error("UnrecognizedClientException", 403)
    if kind == "429":
        return client_error("ThrottlingException", 429)
    if kind in ("500", "503"):
        return client_error("InternalServerException" if kind == "500" else "ServiceUnavailableException", int(kind))
    if kind == "connect":
        return EndpointConnectionError(endpoint_url=AWS_URL)
    if kind.startswith("timeout"):
        return ReadTimeoutError(endpoint_url=AWS_URL)
    if kind.startswith("reset"):
        return ConnectionClosedError(endpoint_url=AWS_URL)
    raise ValueError(kind)


class Server:
    """The remote side: jobs, scripted faults and call counts, kept in a JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            self._save({"jobs": {}, "faults": {}, "calls": {}})

    def _load(self) -> dict:
        return json.loads(self.path.read_text())

    def _save(self, data: dict) -> None:
        self.path.write_text(json.dumps(data))

    def fault(self, operation: str, *kinds: str) -> None:
        data = self._load()
        data["faults"].setdefault(operation, []).extend(kinds)
        self._save(data)

    def calls(self, operation: str) -> int:
        return self._load()["calls"].get(operation, 0)

    def jobs(self) -> dict:
        return self._load()["jobs"]

    def hit(self, operation: str) -> str | None:
        """Count a call and return the next scripted fault for it (None: succeed)."""
        data = self._load()
        data["calls"][operation] = data["calls"].get(operation, 0) + 1
        queue = data["faults"].get(operation, [])
        kind = queue.pop(0) if queue else None
        self._save(data)
        return kind

    def accept(self, job_id: str, record: dict) -> None:
        data = self._load()
        data["jobs"][job_id] = record
        self._save(data)

    def set_status(self, job_id: str, status: str) -> None:
        data = self._load()
        data["jobs"][job_id]["status"] = status
        self._save(data)


def _after_accept(kind: str | None, make_error) -> None:
    if kind == "crash_after_accept":
        os._exit(17)  # the process dies: no exception handler, no cleanup
    if kind and kind.endswith("_after_accept"):
        raise make_error(kind)


# -- IBM --------------------------------------------------------------------------------------


def install_ibm(setattr_, server: Server) -> type:
    """Replace ``qiskit_ibm_runtime.QiskitRuntimeService`` and ``SamplerV2``; return the service class."""
    import qiskit_ibm_runtime

    class FakeJob:
        def __init__(self, job_id: str) -> None:
            self._id = job_id

        def job_id(self) -> str:
            return self._id

        def _check(self, operation: str) -> dict:
            kind = server.hit(operation)
            if kind:
                raise ibm_error(kind, FakeService.last_token)
            return server.jobs()[self._id]

        def status(self) -> str:
            return self._check("status")["status"]

        def result(self):
            from qiskit import qpy
            from qiskit_aer.primitives import SamplerV2 as AerSampler

            record = self._check("result")
            circuit = qpy.load(io.BytesIO(base64.b64decode(record["qpy"])))[0]
            return AerSampler().run([circuit], shots=record["shots"]).result()

        def cancel(self) -> None:
            self._check("cancel")
            server.set_status(self._id, "CANCELLED")

        def error_message(self) -> str:
            return self._check("status").get("error", "")

    class FakeService:
        last_token: str | None = None

        def __init__(self, channel=None, token=None, instance=None, **kwargs) -> None:
            FakeService.last_token = token
            kind = server.hit("connect")
            if kind:
                raise ibm_error(kind, token)
            self._token = token

        @staticmethod
        def saved_accounts(**kwargs) -> dict:
            return {}

        def active_account(self) -> dict:
            return {"channel": "ibm_quantum_platform", "token": self._token}

        def backend(self, name: str):
            from qiskit_ibm_runtime.fake_provider import FakeManilaV2

            return FakeManilaV2()  # the device's offline description (for transpilation)

        def job(self, job_id: str) -> FakeJob:
            if job_id not in server.jobs():
                from qiskit_ibm_runtime.exceptions import RuntimeJobNotFound

                raise RuntimeJobNotFound(f"Job not found: {job_id}")
            return FakeJob(job_id)

        def jobs(self, job_tags=None, limit=None, **kwargs) -> list[FakeJob]:
            kind = server.hit("lookup")
            if kind:
                raise ibm_error(kind, self._token)
            found = [FakeJob(j) for j, r in server.jobs().items() if set(job_tags or []) <= set(r["tags"])]
            return found[:limit] if limit else found

    class FakeSampler:
        def __init__(self, mode=None, options=None) -> None:
            self._tags = ((options or {}).get("environment") or {}).get("job_tags", [])

        def run(self, pubs, shots=None) -> FakeJob:
            from qiskit import qpy

            kind = server.hit("submit")
            if kind and not kind.endswith("_after_accept"):
                raise ibm_error(kind, FakeService.last_token)
            buffer = io.BytesIO()
            qpy.dump(pubs[0], buffer)
            job_id = f"d{uuid.uuid4().hex[:19]}"
            server.accept(job_id, {"tags": self._tags, "shots": shots, "status": "DONE",
                                   "qpy": base64.b64encode(buffer.getvalue()).decode()})
            _after_accept(kind, lambda k: ibm_error(k, None))
            return FakeJob(job_id)

    setattr_(qiskit_ibm_runtime, "QiskitRuntimeService", FakeService)
    setattr_(qiskit_ibm_runtime, "SamplerV2", FakeSampler)
    return FakeService


# -- Braket -----------------------------------------------------------------------------------


def install_braket(setattr_, server: Server) -> None:
    """Replace ``braket.aws.AwsDevice`` and ``braket.aws.AwsQuantumTask``."""
    import braket.aws

    class FakeTask:
        def __init__(self, arn: str, aws_session=None, **kwargs) -> None:
            self.id = arn

        def _check(self, operation: str) -> dict:
            kind = server.hit(operation)
            if kind:
                raise aws_error(kind, operation)
            return server.jobs()[self.id]

        def state(self) -> str:
            return self._check("status")["status"]

        def result(self):
            from braket.devices import LocalSimulator
            from braket.ir.openqasm import Program

            record = self._check("result")
            return LocalSimulator().run(Program(source=record["source"]), shots=record["shots"]).result()

        def cancel(self) -> None:
            self._check("cancel")
            server.set_status(self.id, "CANCELLED")

        def metadata(self) -> dict:
            return {"failureReason": self._check("status").get("error")}

    class FakeDevice:
        def __init__(self, arn: str, aws_session=None) -> None:
            kind = server.hit("connect")
            if kind:
                raise aws_error(kind, "GetDevice")
            self.arn = arn

        def run(self, circuit, shots=None, tags=None, **kwargs) -> FakeTask:
            from braket.circuits.serialization import IRType

            kind = server.hit("submit")
            if kind and not kind.endswith("_after_accept"):
                raise aws_error(kind, "CreateQuantumTask")
            arn = f"arn:aws:braket:us-east-1:123456789012:quantum-task/{uuid.uuid4()}"
            source = circuit.to_ir(ir_type=IRType.OPENQASM).source  # what the SDK sends
            server.accept(arn, {"tags": sorted((tags or {}).items()), "shots": shots, "status": "COMPLETED",
                                "source": source})
            _after_accept(kind, lambda k: aws_error(k, "CreateQuantumTask"))
            return FakeTask(arn)

    setattr_(braket.aws, "AwsDevice", FakeDevice)
    setattr_(braket.aws, "AwsQuantumTask", FakeTask)
