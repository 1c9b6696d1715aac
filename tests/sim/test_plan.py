"""qspectral plan: byte counts by hand, fits/doesn't, GPU routes, time scaling, refusals."""

from __future__ import annotations

import json

import pytest

from qspectral.cli import main
from qspectral.errors import InsufficientMemoryError, InvalidParameterError, InvalidQubitsError, UnknownBackendError
from qspectral.sim.memory import plan

GIB = 2**30


def _needs(p):
    return {n.backend: n.bytes for n in p.needs}


@pytest.mark.parametrize(
    ("n", "dtype", "backend", "expected"),
    [
        (10, "complex128", "aer", 49_152),               # 1024 x 16 B x 3
        (20, "complex64", "default.qubit", 33_554_432),  # 1048576 x 8 B x 4
        (30, "complex128", "engine", 37_795_712_204),    # 2**30 x 16 B x 2.2
        (1, "complex64", "lightning", 48),               # 2 x 8 B x 3
        (40, "complex64", "qiskit", 26_388_279_066_624),  # 2**40 x 8 B x 3
    ],
)
def test_bytes_match_hand_counts(n, dtype, backend, expected):
    p = plan(n, dtype=dtype, backends=[backend], host_bytes=2**62, gpu_bytes_here=None, bench_dir=None)
    assert _needs(p) == {backend: expected}


def test_fits_is_decided_against_the_given_host_memory():
    p = plan(20, backends=["aer", "default.qubit", "aer.gpu"], host_bytes=50_331_648, gpu_bytes_here=None,
             bench_dir=None)
    fits = {n.backend: n.fits for n in p.needs}
    assert fits == {"aer": True, "default.qubit": False, "aer.gpu": False}  # 50,331,648 = 2**20*16*3
    assert p.fits_here and p.routes == []


def test_30_qubits_complex64_fit_the_engine_on_a_24_gib_machine():
    # 2**30 x 8 B = 8 GiB; the engine's measured overhead 2.2 -> 17.6 GiB, within the ~20 GiB a
    # 24 GiB machine has available; 3 states (the other CPU backends) would need 24 GiB.
    p = plan(30, dtype="complex64", backends=["engine", "aer"], host_bytes=20 * GIB, gpu_bytes_here=None,
             bench_dir=None)
    assert {n.backend: n.fits for n in p.needs} == {"engine": True, "aer": False}
    assert _needs(p)["engine"] == int(8 * GIB * 2.2)


def test_gpu_backend_fits_a_gpu_here_with_enough_memory():
    p = plan(30, backends=["engine.gpu"], host_bytes=0, gpu_bytes_here=80 * GIB, bench_dir=None)
    assert p.needs[0].fits  # 2**30 x 16 x 3 = 48 GiB <= 80 GiB


def test_routes_for_36_qubits_on_80_gib_gpus():
    # state 2**36 x 16 B = 1024 GiB. Aer: 1024 / (0.75 x 80) = 17.1 -> 32 GPUs; blocking: 16 x 2**b <= 20 GiB
    # -> b = 30 (<= 36 - 5). lightning: 2 x 1024 / 80 = 25.6 -> 32 ranks. engine: 3072 GiB > 80.
    p = plan(36, host_bytes=GIB, gpu_bytes_here=None, bench_dir=None)
    routes = {r.name: r for r in p.routes}
    assert not p.fits_here
    assert not routes["engine.gpu"].feasible
    assert (routes["aer.gpu"].gpus, routes["aer.gpu"].bytes_per_gpu) == (32, 32 * GIB)
    assert routes["aer.gpu"].settings["blocking_enable"] is True
    assert routes["aer.gpu"].settings["blocking_qubits"] == 30
    assert (routes["lightning.gpu"].gpus, routes["lightning.gpu"].bytes_per_gpu) == (32, 64 * GIB)


def test_routes_for_34_qubits_on_40_gib_gpus():
    # state 256 GiB: Aer 256 / 30 = 8.5 -> 16 GPUs, b = floor(log2(10 GiB / 16 B)) = 29; lightning 512/40 -> 16.
    p = plan(34, host_bytes=GIB, gpu_bytes_here=None, gpu_memory_gib=40, bench_dir=None)
    routes = {r.name: r for r in p.routes}
    assert (routes["aer.gpu"].gpus, routes["aer.gpu"].settings["blocking_qubits"]) == (16, 29)
    assert routes["aer.gpu"].settings["precision"] == "double"
    assert routes["lightning.gpu"].gpus == 16


def test_blocking_qubits_capped_by_the_share_of_one_gpu():
    # complex64, 33 qubits = 64 GiB: Aer 64/60 -> 2 GPUs; 8 x 2**b <= 20 GiB gives 31, and 33 - 1 = 32 -> 31.
    # 31 qubits complex64 = 16 GiB: 1 GPU; 8 x 2**b <= 20 GiB gives 31 but the share caps it at 31 - 0 = 31.
    # 28 qubits complex64 on 80 GiB: the share caps b at 28.
    for n, gpus, b in [(33, 2, 31), (31, 1, 31), (28, 1, 28)]:
        p = plan(n, dtype="complex64", host_bytes=0, gpu_bytes_here=None, bench_dir=None)
        aer = next(r for r in p.routes if r.name == "aer.gpu")
        assert (aer.gpus, aer.settings["blocking_qubits"], aer.settings["precision"]) == (gpus, b, "single")


def test_time_scaled_from_benchmark_json(tmp_path):
    rows = [
        {"workload": "qft", "num_qubits": 26, "backend": "aer.gpu", "median_seconds": 0.1},
        {"workload": "qft", "num_qubits": 30, "backend": "aer.gpu", "median_seconds": 2.0},
        {"workload": "qft", "num_qubits": 30, "backend": "engine.gpu", "median_seconds": None},
    ]
    (tmp_path / "bench_qft_complex128.json").write_text(json.dumps(rows))
    p = plan(36, host_bytes=0, gpu_bytes_here=None, bench_dir=tmp_path)
    routes = {r.name: r for r in p.routes}
    # largest measured size 30: 2.0 s x 2**6 x (36/30)**2 / 32 GPUs = 5.76 s
    assert routes["aer.gpu"].seconds == pytest.approx(2.0 * 64 * 1.44 / 32)
    assert routes["lightning.gpu"].seconds is None
    assert "no benchmark data for lightning.gpu" in routes["lightning.gpu"].note


def test_engine_time_scales_like_an_fft(tmp_path):
    rows = [{"workload": "qft", "num_qubits": 28, "backend": "engine.gpu", "median_seconds": 0.5}]
    (tmp_path / "bench_qft_complex64.json").write_text(json.dumps(rows))
    p = plan(31, dtype="complex64", host_bytes=0, gpu_bytes_here=None, bench_dir=tmp_path)
    engine = next(r for r in p.routes if r.name == "engine.gpu")
    assert engine.feasible and engine.bytes_per_gpu == 2**31 * 8 * 3  # 48 GiB on one 80 GiB GPU
    assert engine.seconds == pytest.approx(0.5 * 8 * 31 / 28)


def test_no_benchmark_file_says_how_to_make_one(tmp_path):
    p = plan(36, host_bytes=0, gpu_bytes_here=None, bench_dir=tmp_path)
    assert all(r.note == "no benchmark data: run qspectral bench qft" for r in p.routes if r.feasible)


def test_refuses_a_state_no_cluster_can_hold():
    with pytest.raises(InsufficientMemoryError, match=r"60-qubit complex128.*does not fit.*fewer qubits"):
        plan(60, host_bytes=0, gpu_bytes_here=None, bench_dir=None)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"num_qubits": 0}, InvalidQubitsError, "positive integer"),
        ({"num_qubits": 2.5}, InvalidQubitsError, "positive integer"),
        ({"num_qubits": 10, "dtype": "float32"}, InvalidParameterError, "complex128, complex64"),
        ({"num_qubits": 10, "gpu_memory_gib": 0}, InvalidParameterError, "GPU memory must be positive"),
        ({"num_qubits": 10, "backends": ["nope"]}, UnknownBackendError, "known backends"),
    ],
)
def test_bad_input_is_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        plan(**kwargs)


def test_cli_plan_prints_bytes_and_refuses(capsys):
    assert main(["plan", "--qubits", "10", "--backend", "aer", "--dtype", "complex64"]) == 0
    assert "24,576" in capsys.readouterr().out  # 1024 x 8 x 3
    assert main(["plan", "--qubits", "60"]) == 2
    assert "does not fit" in capsys.readouterr().err
