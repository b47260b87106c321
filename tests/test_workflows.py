"""The GitHub workflows: valid against GitHub's schema (offline, bundled in check-jsonschema),
running the real commands, and granting each job only the permissions it needs. No job that runs a
pull request's code gets a cloud role, a secret or a write permission. Also the CI gates beside
them: bandit in `make lint`, pip-audit in `.ci/run`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
CHECK = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows"]

PULL_REQUEST_TRIGGERS = {"pull_request", "pull_request_target", "workflow_run"}
"""Events whose workflows run code a pull request can change (or, for `pull_request_target` and
`workflow_run`, run with the base repository's secrets and write token next to such code)."""
SCOPES = (
    "actions",
    "attestations",
    "checks",
    "contents",
    "deployments",
    "discussions",
    "id-token",
    "issues",
    "models",
    "packages",
    "pages",
    "pull-requests",
    "repository-projects",
    "security-events",
    "statuses",
)
NEEDED_WRITES: dict[tuple[str, str], set[str]] = {
    ("deploy-dev", "up"): {"id-token"},  # assume the deploy role (OIDC)
    ("preview", "preview"): {"id-token"},  # assume the preview role (OIDC)
    ("promote", "promote"): {"id-token", "contents", "pull-requests"},  # registry role; push a branch; open a PR
}
"""Every write permission a job holds, by (workflow, job): anything else is refused."""


def _load(path: Path) -> dict[str, Any]:
    return cast(dict[str, Any], yaml.safe_load(path.read_text()))


def _triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    # YAML 1.1 reads a bare `on` key as the boolean True.
    on = workflow.get("on", cast(dict[Any, Any], workflow).get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(cast(list[str], on))
    return cast(dict[str, Any], on or {})


def _writes(permissions: Any) -> set[str]:
    """The scopes a `permissions:` value grants write to (`write-all`: every one)."""
    if permissions == "write-all":
        return set(SCOPES)
    if isinstance(permissions, dict):
        return {scope for scope, level in cast(dict[str, str], permissions).items() if level == "write"}
    return set()


def _jobs(path: Path) -> dict[str, dict[str, Any]]:
    return cast(dict[str, dict[str, Any]], _load(path)["jobs"])


def _effective(workflow: dict[str, Any], job: dict[str, Any]) -> Any:
    """A job's permissions: its own, else the workflow's (GitHub's default token if neither is set)."""
    return job.get("permissions", workflow.get("permissions", "write-all"))


def _steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step for step in job.get("steps", []) if str(step.get("uses", "")).startswith(f"{action}@")]


def test_the_workflows_validate() -> None:
    assert [path.stem for path in WORKFLOWS] == ["deploy-dev", "preview", "promote", "pull-request"]
    result = subprocess.run([*CHECK, *map(str, WORKFLOWS)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_workflow_is_caught(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOWS[0].read_text().replace("    steps:", "    stepz:"))
    assert subprocess.run([*CHECK, str(broken)], capture_output=True, check=False).returncode == 1


def test_promotion_and_previews_use_the_real_commands() -> None:
    text = {path.stem: path.read_text() for path in WORKFLOWS}
    assert 'sagestack promote --from "${{ inputs.from }}" --to "${{ inputs.to }}"' in text["promote"]
    assert "policyPacks: policy" in text["preview"] and "command: preview" in text["preview"]
    assert "command: up" in text["deploy-dev"] and "stack-name: dev" in text["deploy-dev"]
    assert "python -m policy.check_rendered" in text["pull-request"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.stem)
def test_top_level_permissions_are_restricted(path: Path) -> None:
    """Without a top-level `permissions:` every job gets the repository's default token (often
    write to everything); set, it is the default of every job that does not set its own. So: set,
    and read-only at most. Each job asks for what it needs."""
    workflow = _load(path)
    assert "permissions" in workflow, f"{path.name}: no top-level permissions (the default token)"
    permissions = workflow["permissions"]
    assert permissions == {} or (isinstance(permissions, dict) and _writes(permissions) == set()), permissions


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.stem)
def test_every_write_permission_is_one_its_job_needs(path: Path) -> None:
    workflow = _load(path)
    for name, job in _jobs(path).items():
        granted = _writes(_effective(workflow, job))
        assert granted == NEEDED_WRITES.get((path.stem, name), set()), f"{path.name}: job {name} writes {granted}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.stem)
def test_jobs_that_run_pull_request_code_get_no_credentials(path: Path) -> None:
    """`id-token: write` lets a job assume a cloud role, a secret is readable by any step, and the
    checkout's persisted token is in .git/config: all of it readable by the code a pull request
    changes (make, the Pulumi program, the tests). Such jobs get none of them."""
    workflow = _load(path)
    triggers = set(_triggers(workflow))
    assert not triggers & {"pull_request_target", "workflow_run"}, "these run with secrets beside PR code"
    if "pull_request" not in triggers:
        return
    for name, job in _jobs(path).items():
        where = f"{path.name}: job {name}"
        assert _writes(_effective(workflow, job)) == set(), f"{where} may write"
        assert not _steps_using(job, "aws-actions/configure-aws-credentials"), f"{where} assumes a cloud role"
        assert "secrets." not in yaml.safe_dump(job), f"{where} reads a secret"
        for step in _steps_using(job, "actions/checkout"):
            assert (step.get("with") or {}).get("persist-credentials") is False, f"{where} keeps the checkout token"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.stem)
def test_cloud_roles_are_assumed_only_from_main(path: Path) -> None:
    """A job that assumes a role (OIDC) runs only reviewed code: on a push to main, or dispatched
    and held to main (a dispatch can name any branch); never with static keys."""
    workflow = _load(path)
    triggers = _triggers(workflow)
    for name, job in _jobs(path).items():
        where = f"{path.name}: job {name}"
        role_steps = _steps_using(job, "aws-actions/configure-aws-credentials")
        for step in role_steps:
            assert "aws-access-key-id" not in (step.get("with") or {}), f"{where} uses static keys"
        if "id-token" not in _writes(_effective(workflow, job)):
            assert not role_steps, f"{where} assumes a role without id-token"
            continue
        assert set(triggers) <= {"push", "workflow_dispatch"}, f"{where} runs on {set(triggers)}"
        if "push" in triggers:
            assert (triggers["push"] or {}).get("branches") == ["main"], f"{where}: push to any branch"
        if "workflow_dispatch" in triggers:
            assert job.get("if") == "github.ref == 'refs/heads/main'", f"{where}: dispatched from any branch"


PULL_REQUEST_BEFORE = """
name: pull request
on:
  pull_request:
    branches: [main]
permissions:
  contents: read
  id-token: write
  pull-requests: write
jobs:
  preview:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: ${{ vars.PREVIEW_ROLE_ARN }}
      - uses: pulumi/actions@v6
        env:
          PULUMI_ACCESS_TOKEN: ${{ secrets.PULUMI_ACCESS_TOKEN }}
"""


def test_the_permission_checks_catch_what_the_pull_request_workflow_used_to_grant(tmp_path: Path) -> None:
    """The pull-request workflow as it was: `id-token: write` and `pull-requests: write` for every
    job, the preview job assuming the preview role with the Pulumi token."""
    before = tmp_path / "pull-request.yml"
    before.write_text(PULL_REQUEST_BEFORE)
    for check in (
        test_top_level_permissions_are_restricted,
        test_every_write_permission_is_one_its_job_needs,
        test_jobs_that_run_pull_request_code_get_no_credentials,
        test_cloud_roles_are_assumed_only_from_main,
    ):
        with pytest.raises(AssertionError):
            check(before)


# --- the CI gates beside the workflows: bandit, pip-audit ------------------------------------


def _make_target(target: str) -> list[str]:
    text = (REPO / "Makefile").read_text()
    match = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", text, re.MULTILINE)
    assert match, f"no {target} target"
    return [line.strip() for line in match[1].splitlines()]


def test_bandit_runs_in_lint_at_medium_severity_over_the_shipped_code() -> None:
    assert "$(BIN)/bandit -q -ll -r components sagestack policy" in _make_target("lint")


FAKE_PIP_AUDIT = """#!/usr/bin/env python3
import json, sys
output = sys.argv[sys.argv.index("--output") + 1]
mode = {mode!r}
if mode == "unreachable":
    print("requests.exceptions.ConnectionError: Failed to resolve 'api.osv.dev'", file=sys.stderr)
    sys.exit(1)
dependencies = {{
    "all-skipped": [{{"name": "boto3", "version": "1.0", "skip_reason": "Dependency not found on PyPI"}}],
    "clean": [{{"name": "boto3", "version": "1.0", "vulns": []}},
              {{"name": "sagemaker-pulumi", "skip_reason": "distribution marked as editable"}}],
    "vulnerable": [{{"name": "boto3", "version": "1.0", "vulns": [{{"id": "GHSA-x", "fix_versions": ["1.1"]}}]}}],
}}[mode]
json.dump({{"dependencies": dependencies, "fixes": []}}, open(output, "w"))
sys.exit(1 if mode == "vulnerable" else 0)
"""


@pytest.mark.parametrize(
    ("mode", "status", "says"),
    [
        ("clean", 0, "pip-audit: 1 distributions audited, no known vulnerabilities (0 not auditable)"),
        ("vulnerable", 1, "pip-audit: boto3 1.0: GHSA-x (fixed in: 1.1)"),
        # pip-audit itself says "No known vulnerabilities found" here: every lookup failed.
        ("all-skipped", 0, "pip-audit: SKIPPED: no distribution could be looked up"),
        ("unreachable", 0, "pip-audit: SKIPPED: the vulnerability service could not be asked (requests."),
    ],
)
def test_ci_runs_pip_audit_and_says_when_the_service_cannot_be_reached(
    mode: str, status: int, says: str, tmp_path: Path
) -> None:
    fake = tmp_path / "pip-audit"
    fake.write_text(FAKE_PIP_AUDIT.format(mode=mode))
    fake.chmod(0o755)
    env = {**os.environ, "PIP_AUDIT": str(fake), "PYTHON": sys.executable}
    result = subprocess.run(
        [str(REPO / ".ci" / "run"), "pip-audit"], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == status, result.stdout + result.stderr
    assert says in result.stdout, result.stdout
    # The whole CI run ends with it (after `make test`), and the pull-request workflow runs it too.
    ci = (REPO / ".ci" / "run").read_text()
    assert re.search(r"make test\n\s+pip_audit\n", ci)
    assert "run: .ci/run pip-audit" in (REPO / ".github" / "workflows" / "pull-request.yml").read_text()
