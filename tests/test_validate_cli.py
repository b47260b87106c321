"""`sagestack validate` catches, offline, what `pulumi preview` would refuse: the schema, the
program under mocks (component errors), and every dynamic resource's provider Check; one
`file: key: reason` line per problem, and never a pass when there was nothing to check."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from sagestack.cli import main
from sagestack.stacks import NoStackFiles, Problem, validate_stacks
from tests.offline import forbid_aws

ROOT = Path(__file__).resolve().parents[1]
STACKS = ROOT / "stacks"
SAGESTACK = Path(sys.executable).parent / "sagestack"

Edit = Callable[[dict[str, Any]], None]


@pytest.fixture(autouse=True)
def no_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every test here fails on a single AWS call or network connection: validation is offline."""
    calls = forbid_aws(monkeypatch, "validation")
    for key in [key for key in os.environ if key.startswith("AWS_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    yield calls
    assert calls == []


@pytest.fixture
def stacks(tmp_path: Path) -> Path:
    copy = tmp_path / "stacks"
    shutil.copytree(STACKS, copy)
    return copy


def _edit(path: Path, change: Edit) -> None:
    document = yaml.safe_load(path.read_text())
    change(document["config"])
    path.write_text(yaml.safe_dump(document))


def _training(config: dict[str, Any]) -> dict[str, Any]:
    return config["sagemaker:training"]


def _serving(config: dict[str, Any]) -> dict[str, Any]:
    return config["sagemaker:serving"]


BAD: list[tuple[str, Edit, str, str]] = [
    # What only a provider's Check refused before (`pulumi preview`), traced to the key.
    (
        "bad training instance type",
        lambda c: _training(c)["compute"].update(instance_type="ml.nonsense.huge"),
        "sagemaker.training.compute.instance_type",
        "'ml.nonsense.huge' is not one of",
    ),
    (
        "http data source",
        lambda c: _training(c)["input_data"][1].update(data_source="http://example.com/churn/validation"),
        "sagemaker.training.input_data[1].data_source",
        "does not match the pattern",
    ),
    (
        "hyperparameter too long",
        lambda c: _training(c)["hyperparameters"].update(max_depth="5" * 300),
        "sagemaker.training.hyperparameters.max_depth",
        "at most 256 characters",
    ),
    (
        "record identifier not a feature",
        lambda c: c["sagemaker:feature_groups"][0].update(record_identifier="nope"),
        "sagemaker.feature_groups[0].record_identifier",
        "must be one of the features",
    ),
    # The schema.
    (
        "bad model package ARN",
        lambda c: _serving(c).update(model_package_arn="arn:aws:sagemaker:us-west-2:111111111111:model/churn"),
        "sagemaker.serving.model_package_arn",
        "not a model package ARN",
    ),
    (
        "unknown key",
        lambda c: _training(c)["compute"].update(instance_typ="ml.m5.large"),
        "sagemaker.training.compute.instance_typ",
        "Extra inputs are not permitted",
    ),
    (
        # One line, from the variant kind its keys describe (not every union branch's errors).
        "misspelt variant key",
        lambda c: _serving(c)["variants"][0].update(initial_variant_weight=1),
        "sagemaker.serving.variants[0].initial_variant_weight",
        "Extra inputs are not permitted",
    ),
    ("key in an unread namespace", lambda c: c.update({"sagemakr:serving": {}}), "sagemakr:serving", "not read"),
    # A component's own refusal while the program is built (a ValueError naming its field).
    (
        "model package group name",
        lambda c: c["sagemaker:registry"].update(group_name="churn models!"),
        "sagemaker.registry.group_name",
        "should match pattern",
    ),
    (
        "endpoint KMS key too long",
        lambda c: c.update({"sagemaker:defaults": {"kms_key_id": "k" * 3000}}),
        "sagemaker.defaults.kms_key_id",
        "at most 2048 characters",
    ),
    (
        # AutoRollbackConfiguration.Alarms[1].AlarmName: the config flattens it to a list of names.
        "rollback alarm name too long",
        lambda c: _serving(c).update(deployment={"rollback_alarms": ["churn-dev-5xx", "a" * 300]}),
        "sagemaker.serving.deployment.rollback_alarms[1]",
        "at most 255 characters",
    ),
]


@pytest.mark.parametrize(("edit", "key", "reason"), [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_a_bad_value_is_one_line_naming_file_and_key(
    stacks: Path, capsys: pytest.CaptureFixture[str], edit: Edit, key: str, reason: str
) -> None:
    dev = stacks / "Pulumi.dev.yaml"
    _edit(dev, edit)
    assert main(["validate", "--stacks-dir", str(stacks)]) == 1
    out, err = capsys.readouterr()
    problems = [line for line in out.splitlines() if line.startswith(f"{stacks}/")]
    assert len(problems) == 1, out
    assert problems[0].startswith(f"{dev}: {key}: "), problems
    assert reason in problems[0]
    assert out.splitlines()[-1].startswith("1 problem(s) in 1 of 4 stack file(s)")
    assert "Traceback" not in out + err


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (
            lambda c: _training(c)["compute"].update(instance_type="ml.nonsense.huge"),
            "sagemaker.training.compute.instance_type",
        ),
        (
            lambda c: _training(c)["input_data"][1].update(data_source="http://example.com/churn/validation"),
            "sagemaker.training.input_data[1].data_source",
        ),
    ],
    ids=["instance type", "http data source"],
)
def test_the_providers_check_alone_still_catches_it(
    stacks: Path, monkeypatch: pytest.MonkeyPatch, edit: Edit, key: str
) -> None:
    """With the component's own check off, the TrainingJob provider's Check refuses the request,
    and its property (`request.ResourceConfig.InstanceType`) is traced back to the stack key."""
    monkeypatch.setattr("components.training_job.refuse_invalid", lambda *_args, **_kwargs: None)
    _edit(stacks / "Pulumi.dev.yaml", edit)
    assert [(problem.key, problem.reason.split(" ", 1)[0]) for problem in validate_stacks(stacks, "dev")] == [
        (key, repr(_value(stacks / "Pulumi.dev.yaml", key)))
    ]


def _value(path: Path, key: str) -> Any:
    """The value at `sagemaker.a.b[1].c` of a stack file."""
    node: Any = yaml.safe_load(path.read_text())["config"]
    first, *rest = key.removeprefix("sagemaker.").replace("[", ".").replace("]", "").split(".")
    node = node[f"sagemaker:{first}"]
    for part in rest:
        node = node[int(part)] if part.isdigit() else node[part]
    return node


def test_render_refuses_what_validate_refuses(stacks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dev = stacks / "Pulumi.dev.yaml"
    _edit(dev, lambda c: _training(c)["compute"].update(instance_type="ml.nonsense.huge"))
    assert main(["render", "--stack", "dev", "--stacks-dir", str(stacks)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert f"{dev}: sagemaker.training.compute.instance_type: 'ml.nonsense.huge'" in err
    assert "sagestack validate" in err
    assert main(["render", "--diff", "dev", "prod", "--stacks-dir", str(stacks)]) == 1
    assert "sagemaker.training.compute.instance_type" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["validate", "render"])
def test_a_missing_or_unreadable_stack_is_a_line_not_a_traceback(
    stacks: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    assert main([command, "--stack", "nope", "--stacks-dir", str(stacks)]) == 1
    (stacks / "Pulumi.broken.yaml").write_text("config:\n  sagemaker:environment: [oops\n")
    assert main([command, "--stack", "broken", "--stacks-dir", str(stacks)]) == 1
    out, err = capsys.readouterr()
    missing = f"{stacks / 'Pulumi.nope.yaml'}: no such stack file (stacks in {stacks}: dev, local, prod, staging;"
    assert missing in out + err
    assert f"{stacks / 'Pulumi.broken.yaml'}: not valid YAML" in out + err
    assert "Traceback" not in out + err


def test_no_stack_files_fails_naming_the_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(NoStackFiles):
        validate_stacks(tmp_path)
    assert main(["validate", "--stacks-dir", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert "valid" not in out
    assert f"no stack files (Pulumi.*.yaml) in {tmp_path}" in err
    assert "--stacks-dir" in err


def test_run_from_another_directory_exits_non_zero(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(SAGESTACK), "validate"], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert f"no stack files (Pulumi.*.yaml) in {tmp_path.resolve() / 'stacks'}" in done.stderr
    assert "--stacks-dir" in done.stderr
    assert done.stdout == ""


def test_the_shipped_stacks_validate_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert validate_stacks(STACKS) == []
    assert main(["validate", "--stacks-dir", str(STACKS)]) == 0
    assert capsys.readouterr().out.startswith("4 stack file(s) valid (dev, local, prod, staging)")


def test_the_shipped_stacks_validate_clean_without_credentials(tmp_path: Path) -> None:
    """As CI runs it (`make lint`): a fresh process, no AWS credentials or region, AWS unreachable."""
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    done = subprocess.run(
        [str(SAGESTACK), "validate"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 stack file(s) valid" in done.stdout


@pytest.mark.parametrize("command", ["validate", "render"])
def test_a_refused_stack_ends_without_a_traceback(stacks: Path, tmp_path: Path, command: str) -> None:
    """A fresh process, as a user runs it: the program raised mid-run, and nothing may follow our
    lines (Pulumi's event loops, left open, used to print one at exit)."""
    _edit(stacks / "Pulumi.dev.yaml", lambda c: _training(c)["compute"].update(instance_type="ml.nonsense.huge"))
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    done = subprocess.run(
        [str(SAGESTACK), command, "--stack", "dev", "--stacks-dir", str(stacks)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "sagemaker.training.compute.instance_type: 'ml.nonsense.huge'" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "Exception ignored" not in done.stderr


def test_every_problem_of_every_stack_is_reported(stacks: Path) -> None:
    _edit(stacks / "Pulumi.dev.yaml", lambda c: _training(c)["compute"].update(instance_type="ml.nonsense.huge"))
    _edit(stacks / "Pulumi.prod.yaml", lambda c: _serving(c).update(model_package_arn="churn/2"))
    problems = validate_stacks(stacks)
    assert [(problem.file.name, problem.key) for problem in problems] == [
        ("Pulumi.dev.yaml", "sagemaker.training.compute.instance_type"),
        ("Pulumi.prod.yaml", "sagemaker.serving.model_package_arn"),
    ]
    assert all(isinstance(problem, Problem) for problem in problems)
