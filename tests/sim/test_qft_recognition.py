"""Recognising QFTs written as h/cp gates: what must match, and near misses that must not."""

from __future__ import annotations

import math

import pytest
from qiskit import QuantumCircuit
from qiskit.synthesis import synth_qft_full

from qspectral.sim.engine.qft_recognition import GateRef, find_qfts


def refs(circuit: QuantumCircuit, wires: list[int] | None = None) -> list[GateRef]:
    """The circuit's gates (swaps dropped) on ``wires[q]`` for circuit qubit ``q``."""
    wires = wires or list(range(circuit.num_qubits))
    return [
        GateRef(
            inst.operation.name,
            tuple(wires[circuit.find_bit(q).index] for q in inst.qubits),
            tuple(float(p) for p in inst.operation.params),
        )
        for inst in circuit.data
        if inst.operation.name not in ("swap", "barrier")
    ]


@pytest.mark.parametrize("m", [2, 3, 4, 6, 8])
@pytest.mark.parametrize("inverse", [False, True])
def test_qiskit_qft_on_a_permuted_subset_is_found(m, inverse):
    wires = [9, 2, 7, 0, 5, 11, 4, 1][:m]
    ops = refs(synth_qft_full(m, do_swaps=False, inverse=inverse), wires)
    [match] = find_qfts(ops)
    assert match.qubits == tuple(wires) and match.inverse is inverse
    assert sorted(match.indices) == list(range(len(ops)))


def test_a_reordered_but_equivalent_sequence_is_found():
    # Textbook sweep: each controlled phase as soon as both of its Hadamard constraints allow.
    q = [0, 1, 2, 3]
    seq = [("h", 3), ("cp", 3, 2), ("h", 2), ("cp", 3, 1), ("cp", 2, 1), ("h", 1),
           ("cp", 3, 0), ("cp", 2, 0), ("cp", 1, 0), ("h", 0)]
    ops = [
        GateRef("h", (q[g[1]],)) if g[0] == "h" else GateRef("cu1", (q[g[2]], q[g[1]]), (math.pi / 2 ** (g[1] - g[2]),))
        for g in seq
    ]
    [match] = find_qfts(ops)
    assert match.qubits == (0, 1, 2, 3) and not match.inverse


def test_gates_on_other_qubits_may_be_interleaved():
    ops = refs(synth_qft_full(3, do_swaps=False), [1, 3, 5])
    noisy = []
    for i, op in enumerate(ops):
        noisy.append(op)
        noisy.append(GateRef("x", (i % 2 * 4,)))  # qubits 0 and 4 are outside the subset
    [match] = find_qfts([GateRef("h", (1,))] + noisy)  # a leading gate on the subset is fine
    assert match.qubits == (1, 3, 5)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda ops: ops[:4] + ops[5:],                                        # a phase missing
        lambda ops: ops[:3] + [GateRef("cp", ops[3].wires, (0.3,))] + ops[4:],  # a wrong angle
        lambda ops: ops[:5] + [GateRef("x", (ops[4].wires[0],))] + ops[5:],   # a gate on the subset inside
        lambda ops: [ops[4]] + ops[:4] + ops[5:],                             # an Hadamard too early
    ],
)
def test_near_misses_of_the_full_transform_do_not_match_it(spoil):
    ops = spoil(refs(synth_qft_full(4, do_swaps=False)))
    assert all(len(match.qubits) < 4 for match in find_qfts(ops))


def test_approximate_qft_is_not_taken_for_the_exact_one():
    ops = refs(synth_qft_full(5, do_swaps=False, approximation_degree=2))
    assert all(len(match.qubits) < 5 for match in find_qfts(ops))


def test_parameterised_phases_do_not_match():
    from qiskit.circuit import Parameter

    ops = refs(synth_qft_full(3, do_swaps=False))
    ops[1] = GateRef("cp", ops[1].wires, (Parameter("a"),))
    assert [m.qubits for m in find_qfts(ops)] == [(0, 1)]  # only the part after the free phase


def test_two_transforms_in_a_row_are_both_found():
    ops = refs(synth_qft_full(3, do_swaps=False)) + refs(synth_qft_full(3, do_swaps=False, inverse=True))
    matches = find_qfts(ops)
    assert [(m.qubits, m.inverse) for m in matches] == [((0, 1, 2), False), ((0, 1, 2), True)]
