"""The Pulumi program (`__main__.py`) under Pulumi's mocks, and the mocks helper itself."""

from __future__ import annotations

import runpy
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pytest
from pulumi.runtime.config import set_all_config

from components.platform import program
from components.platform_config import load_stack_file, pulumi_config
from sagestack.testing.mocks import run_program

ROOT = Path(__file__).resolve().parents[1]
MAIN = ROOT / "__main__.py"


def _configure(stack: str) -> None:
    set_all_config(pulumi_config(load_stack_file(ROOT / "stacks" / f"Pulumi.{stack}.yaml")))


def test_main_builds_the_local_platform() -> None:
    _configure("local")
    run = run_program(lambda: runpy.run_path(str(MAIN)) and None, stack="local")
    bucket = run.named("artifacts")
    assert (bucket.type, bucket.inputs["tags"]["stack"], bucket.inputs["forceDestroy"]) == (
        "aws:s3/bucket:Bucket",
        "local",
        True,
    )
    types = {r.type for r in run.resources}
    assert {
        "sagemaker:platform:MLPlatform",
        "pulumi-python:dynamic/sagemaker:FeatureGroup",
        "pulumi-python:dynamic/sagemaker:TrainingJob",
        "pulumi-python:dynamic/sagemaker:ModelPackage",
        "pulumi-python:dynamic/sagemaker:Endpoint",
    } <= types


def test_only_the_local_stack_may_destroy_a_full_bucket() -> None:
    _configure("prod")
    run = run_program(lambda: program(approval_lookup=lambda _arn: "Approved") and None, stack="prod")
    assert run.named("artifacts").inputs["forceDestroy"] is False


def test_prod_refuses_an_unapproved_package_in_the_program() -> None:
    _configure("prod")
    with pytest.raises(
        ValueError, match="production serves only Approved model packages; this one is PendingManualApproval"
    ):
        run_program(lambda: program(approval_lookup=lambda _arn: "PendingManualApproval") and None, stack="prod")


class _Storage(pulumi.ComponentResource):
    """A tiny component for the helper's own test: a bucket under it, outputs registered."""

    def __init__(self, name: str, register: bool, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("sagemaker:test:Storage", name, None, opts)
        self.bucket = aws.s3.Bucket(f"{name}-bucket", opts=pulumi.ResourceOptions(parent=self))
        if register:
            self.register_outputs({"bucket_arn": self.bucket.arn})


def test_mocks_record_parentage_and_registered_outputs() -> None:
    run = run_program(lambda: {"arn": _Storage("store", register=True).bucket.arn})
    component, bucket = run.named("store"), run.named("store-bucket")
    assert run.children_of(component) == [bucket]
    assert component.outputs == {"bucket_arn": "arn:aws:mock:us-west-2:123456789012:bucket/store-bucket"}
    assert run.result == {"arn": "arn:aws:mock:us-west-2:123456789012:bucket/store-bucket"}


def test_mocks_show_a_component_that_forgot_register_outputs() -> None:
    run = run_program(lambda: _Storage("lazy", register=False) and None)
    assert run.named("lazy").outputs is None
