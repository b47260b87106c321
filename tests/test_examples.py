"""The README's programs are the files in examples/, and each runs as written (under mocks).

Every ```python block of the README that is a whole program (not an excerpt with `...`) must be
an example file's code, word for word, so the README cannot drift from code that works.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sagestack.examples import run_example

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
COMPONENTS = {
    "train.py": {"sagemaker:training:TrainingJob"},
    "register.py": {
        "sagemaker:training:TrainingJob",
        "sagemaker:registry:ModelRegistry",
        "sagemaker:registry:ModelPackage",
    },
    "serve.py": {"sagemaker:registry:ModelPackage", "sagemaker:serving:ModelEndpoint"},
    "feature_store.py": {"sagemaker:featurestore:FeatureGroup"},
}


def code_of(path: Path) -> str:
    """An example's code: the file without its module docstring."""
    text = path.read_text()
    docstring = ast.get_docstring(ast.parse(text), clean=False)
    if docstring is not None:
        text = text.split('"""', 2)[2]
    return text.strip() + "\n"


def readme_programs() -> list[str]:
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)
    return [block for block in blocks if "..." not in block]


def test_every_example_is_listed() -> None:
    assert {path.name for path in EXAMPLES} == set(COMPONENTS)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_each_example_runs_under_mocks(path: Path) -> None:
    run = run_example(path)
    assert COMPONENTS[path.name] <= {resource.type for resource in run.resources}


def test_every_whole_program_in_the_readme_is_an_example_file() -> None:
    examples = {code_of(path) for path in EXAMPLES}
    programs = readme_programs()
    assert programs, "the README shows no program"
    assert [program for program in programs if program not in examples] == []
    assert len(programs) == len(EXAMPLES), "each example is shown once in the README"


def test_an_example_can_be_tried_without_the_cli(tmp_path: Path) -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "sagestack.examples", str(ROOT / "examples" / "train.py")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    assert "sagemaker:training:TrainingJob  churn  (component)" in ran.stdout
    broken = tmp_path / "broken.py"
    broken.write_text("from components import Compute\nCompute(instance_type='ml.m5.large', instance_count=0)\n")
    failed = subprocess.run(
        [sys.executable, "-m", "sagestack.examples", str(broken)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert failed.returncode == 1 and "instance_count" in failed.stderr and "Traceback" not in failed.stderr
