"""Total-variation distance and the comparison table, against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from qspectral.cloud.counts import bitstring, comparison_table, tv_distance
from qspectral.errors import InvalidJobError


def test_tv_distance_closed_forms():
    assert tv_distance({5: 100}, np.eye(8)[5]) == 0.0
    assert tv_distance({4: 100}, np.eye(8)[5]) == 1.0
    # empirical (0.5, 0.5) vs uniform over 4: 1/2 (|.5-.25|*2 + .25*2) = 0.5
    assert tv_distance({0: 1, 1: 1}, np.full(4, 0.25)) == pytest.approx(0.5)
    assert tv_distance({0: 3, 1: 1}, np.array([0.5, 0.5])) == pytest.approx(0.25)


def test_tv_distance_errors():
    with pytest.raises(InvalidJobError, match="empty"):
        tv_distance({}, np.ones(2) / 2)
    with pytest.raises(InvalidJobError, match="outcome 4 is outside"):
        tv_distance({4: 1}, np.ones(4) / 4)


def test_bitstring_is_qiskit_order():
    assert bitstring(5, 4) == "0101"  # qubits 0 and 2 set: rightmost char is qubit 0
    assert bitstring(1, 3) == "001"


def test_comparison_table_lists_missing_ideal_outcomes_and_truncates():
    table = comparison_table({0: 10}, np.array([0.5, 0.5]), 1)
    assert "   1        1      0  0.000  0.500" in table
    assert "distance to ideal: 0.5000 (10 shots)" in table
    many = comparison_table({k: 1 for k in range(20)}, None, 5, top=4)
    assert many.splitlines()[-1] == "... 16 more outcomes" and "ideal" not in many
