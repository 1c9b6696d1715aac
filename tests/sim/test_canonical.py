"""The committed circuits/ library: up to date with the builders, and verified on every CPU backend."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from qspectral.cli import main
from qspectral.sim.canonical import CATALOGUE, deviation, export_library, verify_library
from qspectral.sim.backends import available_backends

LIBRARY = Path(__file__).resolve().parents[2] / "circuits"


def test_committed_library_matches_a_fresh_export(tmp_path):
    export_library(tmp_path)
    committed = json.loads((LIBRARY / "manifest.json").read_text())
    assert json.loads((tmp_path / "manifest.json").read_text()) == committed
    for name, entry in committed.items():
        assert (LIBRARY / entry["file"]).read_text() == (tmp_path / entry["file"]).read_text(), name


def test_library_covers_what_the_issue_lists():
    names = set(json.loads((LIBRARY / "manifest.json").read_text()))
    for required in ("qft_3", "qft_4", "qft_8", "iqft_3", "iqft_4", "iqft_8", "aqft_8_d4",
                     "qft_subset_6", "fourier_shift_5", "spectral_phase_4", "spectral_filter_4"):
        assert required in names


def test_every_library_circuit_verifies_on_every_cpu_backend():
    here = available_backends()
    results = verify_library(LIBRARY, here)
    assert len(results) == len(CATALOGUE) * len(here)
    failures = [r for r in results if not r.passed]
    assert not failures


def test_verify_catches_a_wrong_closed_form():
    psi = np.zeros(8, complex)
    psi[1] = 1
    wrong = np.roll(psi, 2)
    assert deviation({"kind": "roll", "shift": 1}, psi, wrong) > 0.9


def test_cli_verify_reports_and_fails_on_a_tampered_file(tmp_path, capsys):
    export_library(tmp_path)
    assert main(["circuits", "verify", "--dir", str(tmp_path), "--backends", "qiskit"]) == 0
    path = tmp_path / "fourier_shift_5.qasm"
    path.write_text(path.read_text().replace("qubit[5] q;", "qubit[5] q;\nx q[0];"))
    assert main(["circuits", "verify", "--dir", str(tmp_path), "--backends", "qiskit"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_verify_without_manifest_says_to_export(tmp_path):
    import pytest

    with pytest.raises(FileNotFoundError, match="qspectral circuits export"):
        verify_library(tmp_path)
