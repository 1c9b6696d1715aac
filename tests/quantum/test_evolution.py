"""Exact spectral evolution circuits against numpy's FFT evolution and closed-form PDE solutions."""

from __future__ import annotations

import numpy as np
import pytest

from qspectral.errors import InvalidParameterError, InvalidStateError
from qspectral.quantum.evolution import (
    dissipative_evolution,
    evolution_circuit,
    separable_phases,
    wave_decode,
    wave_encode,
)
from qspectral.sim.backends import available_backends, simulate

BACKENDS = [b for b in ("qiskit", "aer", "engine") if b in available_backends(include_gpu=False)]


def _state(rng, size):
    psi = rng.normal(size=size) + 1j * rng.normal(size=size)
    return psi / np.linalg.norm(psi)


def _numpy_evolution(psi, omega, t):
    return np.fft.ifft(np.exp(-1j * omega * t) * np.fft.fft(psi))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", ["advection", "wave", "random"])
def test_evolution_equals_numpy_fft_evolution(backend, kind, rng):
    n = 5
    k = 2 * np.pi * np.fft.fftfreq(2**n, 1.0 / 2**n) / 7.0
    omega = {"advection": 1.3 * k, "wave": -0.8 * np.abs(k), "random": rng.normal(size=2**n)}[kind]
    psi = _state(rng, 2**n)
    out = simulate(evolution_circuit(n, omega, 0.9), backend, initial_state=psi)
    assert np.abs(out - _numpy_evolution(psi, omega, 0.9)).max() < 1e-10


def test_advection_uses_one_phase_gate_per_qubit_and_the_wave_a_diagonal_gate():
    k = np.fft.fftfreq(16, 1 / 16)
    advection = evolution_circuit(4, 0.37 * k, 1.1)
    assert dict(advection.count_ops()) == {"iqft": 1, "p": 4, "qft": 1}
    wave = evolution_circuit(4, -np.abs(k), 1.1)
    assert dict(wave.count_ops()) == {"iqft": 1, "spectral_phase": 1, "qft": 1}


def test_integer_advection_is_a_roll_of_the_samples(rng):
    """omega = a k on [0, N) with a t = 3 grid cells: the state is numpy.roll(psi, 3)."""
    n = 4
    k = 2 * np.pi * np.fft.fftfreq(16, 1.0)
    psi = _state(rng, 16)
    out = simulate(evolution_circuit(n, 1.5 * k, 2.0), "qiskit", initial_state=psi)
    assert np.abs(out - np.roll(psi, 3)).max() < 1e-12


def test_evolution_on_a_qubit_subset_acts_on_that_index_only(rng):
    """Qubits [1, 2, 3] of 4: the grid index is bits 1..3; bit 0 is a spectator axis."""
    omega = rng.normal(size=8)
    psi = _state(rng, 16)
    out = simulate(evolution_circuit(4, omega, 0.4, qubits=[1, 2, 3]), "qiskit", initial_state=psi)
    grid = psi.reshape(8, 2)  # index = 2 * x + spectator
    expected = np.fft.ifft(np.exp(-0.4j * omega)[:, None] * np.fft.fft(grid, axis=0), axis=0).reshape(-1)
    assert np.abs(out - expected).max() < 1e-12


def test_separable_phases_recovers_per_bit_phases_and_rejects_others(rng):
    theta = rng.uniform(-3, 3, size=3)
    bits = (np.arange(8)[:, None] >> np.arange(3)) & 1
    phases = 0.25 + bits @ theta + 2 * np.pi * rng.integers(-2, 3, size=8)  # mod 2 pi
    phi0, found = separable_phases(phases)
    assert np.allclose(np.exp(1j * (phi0 + bits @ found)), np.exp(1j * phases))
    assert separable_phases(np.abs(np.fft.fftfreq(8, 1 / 8)) * 0.3) is None


@pytest.mark.parametrize("backend", BACKENDS)
def test_heat_block_encoding_postselects_the_heat_solution(backend):
    """u0 = 1 + 0.5 sin x + 0.2 cos 3x on 16 points: each mode decays as exp(-nu k^2 t) (closed form)."""
    n, nu, t = 4, 0.1, 0.7
    x = 2 * np.pi * np.arange(16) / 16
    u0 = 1 + 0.5 * np.sin(x) + 0.2 * np.cos(3 * x)
    exact = 1 + 0.5 * np.exp(-nu * t) * np.sin(x) + 0.2 * np.exp(-9 * nu * t) * np.cos(3 * x)
    block = dissipative_evolution(n, nu * np.fft.fftfreq(16, 1 / 16) ** 2, t)
    raw = simulate(block.circuit, backend, initial_state=np.kron([1, 0], u0 / np.linalg.norm(u0)))
    state, probability = block.postselect(raw)
    assert abs(probability - np.linalg.norm(exact) ** 2 / np.linalg.norm(u0) ** 2) < 1e-12
    u = np.linalg.norm(u0) * np.sqrt(probability) * state
    assert np.abs(u - exact).max() < 1e-10


def test_wave_circuit_reproduces_dalembert(rng):
    """u0 band-limited, u_t0 = 0: u(t) = (u0(x - ct) + u0(x + ct)) / 2 from the evolved q."""
    n, c, t = 5, 1.3, 0.8
    x = 2 * np.pi * np.arange(32) / 32
    u0_fn = lambda z: 0.7 + np.sin(z) + 0.3 * np.cos(5 * z)
    k = np.fft.fftfreq(32, 1 / 32)
    state, norm = wave_encode(u0_fn(x), 0 * x, k, c)
    out = simulate(evolution_circuit(n, -c * np.abs(k), t), "aer", initial_state=state)
    u, _ = wave_decode(out, norm, k, c, mean=0.7)
    assert np.abs(u - 0.5 * (u0_fn(x - c * t) + u0_fn(x + c * t))).max() < 1e-10
    assert abs(np.linalg.norm(out) - 1) < 1e-12  # energy (the norm of q) is conserved


def test_wave_encoding_round_trip(rng):
    k = 2 * np.pi * np.fft.fftfreq(16, 1 / 16) / 3.0
    u, u_t = rng.normal(size=16), rng.normal(size=16)
    back_u, back_ut = wave_decode(*wave_encode(u, u_t, k, 0.5), k, 0.5, mean=float(u.mean()))
    assert np.allclose(back_u, u) and np.allclose(back_ut, u_t)


def test_evolution_input_errors():
    k = np.fft.fftfreq(8, 1 / 8)
    with pytest.raises(InvalidParameterError, match=r"one value per Fourier index k = 0..7"):
        evolution_circuit(3, k[:4], 1.0)
    with pytest.raises(InvalidParameterError, match="dispersion must be real"):
        evolution_circuit(3, k + 1j, 1.0)
    with pytest.raises(InvalidParameterError, match="dispersion must be finite"):
        evolution_circuit(3, np.full(8, np.nan), 1.0)
    with pytest.raises(InvalidParameterError, match="time must be a finite number"):
        evolution_circuit(3, k, float("inf"))
    with pytest.raises(InvalidParameterError, match="rates >= 0 and time >= 0"):
        dissipative_evolution(3, -(k**2), 1.0)
    with pytest.raises(InvalidStateError, match="no wave to evolve"):
        wave_encode(np.ones(8), np.zeros(8), k, 1.0)
    with pytest.raises(InvalidStateError, match="same length"):
        wave_encode(np.ones(8), np.zeros(4), k, 1.0)
