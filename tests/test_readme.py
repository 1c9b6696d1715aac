"""The README's promises: two Quick-start lines, CI reads the second, the Python example runs."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def quick_start_lines() -> list[str]:
    section = README.split("## Quick start", 1)[1]
    block = section.split("```", 2)[1]
    return [line for line in block.splitlines()[1:] if line.strip()]


def test_quick_start_has_exactly_two_command_lines():
    lines = quick_start_lines()
    assert len(lines) == 2
    assert "pytest" in lines[1] and "pytest" not in lines[0]


def test_ci_runs_the_second_quick_start_line():
    awk = (ROOT / ".ci" / "run").read_text()
    program = re.search(r"test_line=\$\((.*)\)\n", awk).group(1)
    found = subprocess.run(["bash", "-c", program], cwd=ROOT, capture_output=True, text=True, check=True)
    assert found.stdout.strip() == quick_start_lines()[1]


def test_convention_example_in_readme_runs():
    code = README.split("## The convention", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    exec(compile(code, "README.md", "exec"), {})
