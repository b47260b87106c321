"""`sagestack validate`, `render` and `promote` on the shipped stacks and broken copies."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sagestack.cli import main
from sagestack.promote import PromotionRefused, promote
from sagestack.render import diff, render
from sagestack.stacks import validate_stacks
from sagestack.testing.local_aws import LocalAws
from tests.sagemaker_requests import model_package

STACKS = Path(__file__).resolve().parents[1] / "stacks"


@pytest.fixture
def stacks(tmp_path: Path) -> Path:
    copy = tmp_path / "stacks"
    shutil.copytree(STACKS, copy)
    return copy


def test_the_shipped_stacks_are_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert validate_stacks(STACKS) == []
    assert main(["validate", "--stacks-dir", str(STACKS)]) == 0
    assert "valid" in capsys.readouterr().out


def _edit(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def apply(path: Path) -> None:
        document = yaml.safe_load(path.read_text())
        change(document["config"])
        path.write_text(yaml.safe_dump(document))

    return apply


def _serving(config: dict[str, Any]) -> dict[str, Any]:
    return config["sagemaker:serving"]


BROKEN: list[tuple[str, Callable[[Path], None], str]] = [
    (
        "unknown instance type",
        _edit(lambda c: _serving(c)["variants"][0].update(instance_type="ml.banana.large")),
        "sagemaker.serving.variants[0].instance_type",
    ),
    (
        "zero instances",
        _edit(lambda c: _serving(c)["variants"][0].update(initial_instance_count=0)),
        "sagemaker.serving.variants[0].initial_instance_count",
    ),
    ("no variants", _edit(lambda c: _serving(c).update(variants=[])), "sagemaker.serving.variants"),
    (
        "canary 60 %",
        _edit(lambda c: _serving(c)["deployment"]["traffic"].update(canary_percent=60)),
        "sagemaker.serving.deployment.traffic.canary_percent",
    ),
    (
        "sampling 150 %",
        _edit(lambda c: _serving(c)["data_capture"].update(sampling_percentage=150)),
        "sagemaker.serving.data_capture.sampling_percentage",
    ),
    ("typo in a key", _edit(lambda c: _serving(c).update(endpoint_nmae="x")), "sagemaker.serving.endpoint_nmae"),
    (
        "production flag not a bool",
        _edit(lambda c: c["sagemaker:environment"].update(production="maybe")),
        "sagemaker.environment.production",
    ),
    ("missing environment", _edit(lambda c: c.pop("sagemaker:environment")), "sagemaker.environment"),
    ("prod serving without a package", _edit(lambda c: _serving(c).pop("model_package_arn")), "sagemaker"),
    (
        "serverless memory 1500",
        _edit(lambda c: _serving(c).update(variants=[{"memory_size_in_mb": 1500}])),
        "sagemaker.serving.variants[0].memory_size_in_mb",
    ),
    (
        "eleven alarms",
        _edit(lambda c: _serving(c)["deployment"].update(rollback_alarms=[f"a{n}" for n in range(11)])),
        "sagemaker.serving.deployment.rollback_alarms",
    ),
    ("unknown top-level key", _edit(lambda c: c.update({"sagemaker:servings": {}})), "sagemaker.servings"),
]


@pytest.mark.parametrize(("label", "breakage", "key_path"), BROKEN, ids=[case[0] for case in BROKEN])
def test_a_broken_copy_is_reported_with_its_key_path(
    stacks: Path, capsys: pytest.CaptureFixture[str], label: str, breakage: Callable[[Path], None], key_path: str
) -> None:
    breakage(stacks / "Pulumi.prod.yaml")
    assert main(["validate", "--stack", "prod", "--stacks-dir", str(stacks)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith(f"{stacks / 'Pulumi.prod.yaml'}: {key_path}:") for line in lines), f"{label}: {lines}"


def test_render_dev_prints_the_whole_platform() -> None:
    resources = {r.path: r for r in render("dev", STACKS)}
    assert {r.type for r in resources.values()} >= {
        "pulumi-python:dynamic/sagemaker:FeatureGroup",
        "pulumi-python:dynamic/sagemaker:TrainingJob",
        "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
        "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy",
        "pulumi-python:dynamic/sagemaker:ModelPackage",
        "aws:sagemaker/model:Model",
        "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
        "pulumi-python:dynamic/sagemaker:Endpoint",
    }
    model = resources["dev/churn-dev/churn-dev-model"]
    assert model.inputs["primaryContainer"] == {
        "modelPackageName": "arn:aws:sagemaker:us-west-2:111111111111:model-package/churn/3"
    }
    job = resources["dev/dev-train/dev-train-job"]
    assert job.inputs["request"]["ResourceConfig"]["InstanceType"] == "ml.m5.xlarge"


def test_render_cli_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "--stack", "staging", "--stacks-dir", str(STACKS)]) == 0
    assert (
        "staging/churn-staging/churn-staging-endpoint  [pulumi-python:dynamic/sagemaker:Endpoint]"
        in capsys.readouterr().out
    )
    assert main(["render", "--stack", "staging", "--format", "json", "--stacks-dir", str(STACKS)]) == 0
    assert '"type": "aws:sagemaker/model:Model"' in capsys.readouterr().out


def test_diff_staging_prod_shows_only_the_expected_differences() -> None:
    result = diff("staging", "prod", STACKS)
    assert result.added == result.removed == []
    assert {(change.path.rsplit("/", 1)[1], change.key) for change in result.changed} == {
        ("churn-prod-config", "dataCaptureConfig.initialSamplingPercentage"),
        ("churn-prod-config", "dataCaptureConfig.kmsKeyId"),
        ("churn-prod-config", "kmsKeyArn"),
        ("churn-prod-config", "productionVariants[0].initialInstanceCount"),
        ("churn-prod-config", "productionVariants[0].instanceType"),
        ("churn-prod-endpoint", "deployment_config.AutoRollbackConfiguration.Alarms[1].AlarmName"),
        (
            "churn-prod-endpoint",
            "deployment_config.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.WaitIntervalInSeconds",
        ),
        ("churn-prod-model", "executionRoleArn"),
    }


@pytest.fixture
def registry(aws: LocalAws, monkeypatch: pytest.MonkeyPatch, stacks: Path) -> Any:
    """The central registry in the local AWS: the stack files' registry account becomes its account
    (promote takes packages only from the registry the stacks use)."""
    aws.set_durations({"model_package": {"pending": 0, "in_progress": 0}})
    for key, value in aws.env().items():
        monkeypatch.setenv(key, value)
    account = aws.client("sts").get_caller_identity()["Account"]
    for path in stacks.glob("Pulumi.*.yaml"):
        path.write_text(path.read_text().replace("111111111111", account))
    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="churn")
    return sm


def _register(sm: Any, approval: str) -> str:
    arn = sm.create_model_package(**model_package("churn"))["ModelPackageArn"]
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus=approval)
    return arn


def _serve(stacks: Path, stack: str, arn: str) -> None:
    path = stacks / f"Pulumi.{stack}.yaml"
    path.write_text(re.sub(r"model_package_arn: \S+", f"model_package_arn: {arn}", path.read_text()))


def test_promote_an_approved_package_changes_exactly_one_line(stacks: Path, registry: Any) -> None:
    arn = _register(registry, "Approved")
    _serve(stacks, "dev", arn)
    before = (stacks / "Pulumi.staging.yaml").read_text().splitlines()
    served_before = arn.rsplit("/", 1)[0] + "/2"  # staging's churn/2, in the registry's account
    assert main(["promote", "--from", "dev", "--to", "staging", "--stacks-dir", str(stacks)]) == 0
    after = (stacks / "Pulumi.staging.yaml").read_text().splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [
        (
            f"    model_package_arn: {served_before}",
            f"    model_package_arn: {arn}",
        )
    ]
    assert validate_stacks(stacks, "staging") == []


@pytest.mark.parametrize("approval", ["PendingManualApproval", "Rejected"])
def test_promote_refuses_an_unapproved_package(
    stacks: Path, registry: Any, approval: str, capsys: pytest.CaptureFixture[str]
) -> None:
    arn = _register(registry, approval)
    _serve(stacks, "dev", arn)
    before = (stacks / "Pulumi.staging.yaml").read_bytes()
    assert main(["promote", "--from", "dev", "--to", "staging", "--stacks-dir", str(stacks)]) == 1
    assert f"is {approval}, not Approved" in capsys.readouterr().err
    assert (stacks / "Pulumi.staging.yaml").read_bytes() == before


def test_promote_refuses_a_missing_package(stacks: Path, registry: Any, aws: LocalAws) -> None:
    before = (stacks / "Pulumi.staging.yaml").read_bytes()
    account = aws.client("sts").get_caller_identity()["Account"]
    with pytest.raises(PromotionRefused, match="cannot be read from the registry"):
        promote(
            "dev",
            "staging",
            registry,
            package_arn=f"arn:aws:sagemaker:us-west-2:{account}:model-package/churn/99",
            stacks_dir=stacks,
        )
    assert (stacks / "Pulumi.staging.yaml").read_bytes() == before
