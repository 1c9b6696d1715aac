"""The Python API refuses what it cannot do, with a qspectral error, instead of coercing or crashing in numpy."""

from __future__ import annotations

import numpy as np
import pytest

from qspectral import InvalidQubitsError, InvalidStateError, QSpectralError, apply_qft, fidelity, qft, random_state
from qspectral.errors import InvalidParameterError


@pytest.mark.parametrize("bad", [2.5, 0, -1, "3", True])
def test_random_state_needs_an_integer_qubit_count(bad):
    with pytest.raises(InvalidQubitsError, match="num_qubits must be an integer >= 1"):
        random_state(bad)


def test_random_state_seed_must_be_non_negative():
    with pytest.raises(InvalidParameterError, match="seed must be a non-negative integer"):
        random_state(2, seed=-1)


def test_fidelity_of_states_of_different_lengths_is_refused():
    with pytest.raises(InvalidStateError, match="cannot compare states of 4 and 8 amplitudes"):
        fidelity(np.ones(4) / 2, np.ones(8) / np.sqrt(8))
    with pytest.raises(InvalidStateError, match="non-zero, finite"):
        fidelity(np.zeros(4), np.ones(4) / 2)
    # The value it does give: |<a|b>|^2 for two normalised states (closed form 1/2 here).
    assert fidelity(np.array([1, 0]), np.array([1, 1]) / np.sqrt(2)) == pytest.approx(0.5)


@pytest.mark.parametrize(
    "state, fragment",
    [
        (np.ones(4), "not normalised: its norm is 2"),
        (np.array([np.nan, 0, 0, 1]), "NaN or infinite amplitudes"),
        (np.ones(3) / np.sqrt(3), "power-of-two length"),
        (np.array(1.0), "got a scalar"),
    ],
)
def test_apply_qft_refuses_what_simulate_refuses(state, fragment):
    with pytest.raises(InvalidStateError, match=fragment):
        apply_qft(state)


def test_qft_refuses_non_integer_qubits_and_huge_registers_before_building():
    with pytest.raises(InvalidQubitsError, match="qubit index 0.5 is not an integer"):
        qft(4, qubits=[0.5])
    with pytest.raises(InvalidQubitsError, match="builds QFTs on up to 1024 qubits"):
        qft(10**6)  # refused at once, not after building a million-qubit register
    with pytest.raises(QSpectralError, match="qubits must be a list"):
        qft(4, qubits=3)
