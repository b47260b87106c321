"""The GitHub workflows validate against GitHub's schema (offline, bundled in check-jsonschema)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

WORKFLOWS = sorted((Path(__file__).resolve().parents[1] / ".github" / "workflows").glob("*.yml"))
CHECK = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows"]


def test_the_workflows_validate() -> None:
    assert [path.stem for path in WORKFLOWS] == ["deploy-dev", "promote", "pull-request"]
    result = subprocess.run([*CHECK, *map(str, WORKFLOWS)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_workflow_is_caught(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOWS[0].read_text().replace("    steps:", "    stepz:"))
    assert subprocess.run([*CHECK, str(broken)], capture_output=True, check=False).returncode == 1


def test_promotion_and_previews_use_the_real_commands() -> None:
    text = {path.stem: path.read_text() for path in WORKFLOWS}
    assert 'sagestack promote --from "${{ inputs.from }}" --to "${{ inputs.to }}"' in text["promote"]
    assert "policyPacks: policy" in text["pull-request"] and "command: preview" in text["pull-request"]
    assert "command: up" in text["deploy-dev"] and "stack-name: dev" in text["deploy-dev"]
