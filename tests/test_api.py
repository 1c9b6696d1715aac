"""The public API: namespaces, lazy names, deprecated top-level names, and what `import qspectral` loads."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import types
import warnings

import pytest

import qspectral

NAMESPACES = [
    "qspectral",
    "qspectral.spectral",
    "qspectral.classical",
    "qspectral.classical.diffusion",
    "qspectral.quantum",
    "qspectral.experiments",
    "qspectral.cloud",
]


def test_import_qspectral_loads_no_heavy_dependency():
    code = (
        "import json, sys, qspectral\n"
        "heavy = ['torch', 'pennylane', 'scipy.stats', 'matplotlib', 'qiskit_ibm_runtime', 'braket', 'dask']\n"
        "print(json.dumps([m for m in heavy if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_cli_help_loads_neither_numpy_nor_qiskit():
    # `qspectral --help` builds the parser only: the simulators load inside each command
    code = (
        "import json, sys\n"
        "from qspectral.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(json.dumps([m for m in ['numpy', 'qiskit', 'torch', 'pennylane'] if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.splitlines()[-1]) == []


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_every_name_in_all_resolves_and_is_listed_by_dir(namespace):
    module = importlib.import_module(namespace)
    assert len(module.__all__) == len(set(module.__all__)), "duplicate names in __all__"
    listed = dir(module)
    for name in module.__all__:
        value = getattr(module, name)
        # a name is the object it names, never a same-named submodule that shadows it (qspectral.quantum.qft)
        assert not isinstance(value, types.ModuleType) or value.__name__ == f"{namespace}.{name}", name
        assert name in listed, name


def test_lazy_names_are_the_objects_of_their_defining_modules():
    from qspectral.classical.nets import MLP
    from qspectral.sim.engine import run_circuit
    from qspectral.spectral.wiener import wiener_filter

    assert "run_circuit" in dir(qspectral)
    assert qspectral.run_circuit is run_circuit
    assert qspectral.classical.MLP is MLP
    assert qspectral.spectral.wiener_filter is wiener_filter


@pytest.mark.parametrize(
    ("old", "namespace"),
    [("MLP", "classical"), ("spectrum_1d", "spectral"), ("ReuploadingModel", "quantum"),
     ("get_experiment", "experiments"), ("JobStore", "cloud"), ("power_law_spectrum", "spectral")],
)
def test_moved_top_level_name_warns_with_the_new_name_and_still_resolves(old, namespace):
    with pytest.warns(DeprecationWarning, match=rf"qspectral\.{old} is deprecated.*use qspectral\.{namespace}\.{old}$"):
        value = getattr(qspectral, old)
    assert value is getattr(importlib.import_module(f"qspectral.{namespace}"), old)
    assert old not in qspectral.__all__


def test_core_names_do_not_warn_and_unknown_names_raise():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert qspectral.simulate is importlib.import_module("qspectral.sim.backends").simulate
        assert qspectral.register_backend is importlib.import_module("qspectral.sim.backends").register_backend
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        qspectral.no_such_name  # noqa: B018
