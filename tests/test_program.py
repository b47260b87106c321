"""The Pulumi program (`__main__.py`) under Pulumi's mocks, and the mocks helper itself."""

from __future__ import annotations

import runpy
from pathlib import Path

import pulumi
import pulumi_aws as aws
from pulumi.runtime.config import set_all_config

from sagestack.testing.mocks import run_program

MAIN = Path(__file__).resolve().parents[1] / "__main__.py"


def _run_main(stack: str) -> list[tuple[str, str, bool]]:
    set_all_config({"aws:region": "us-west-2"})
    run = run_program(lambda: runpy.run_path(str(MAIN)) and None, stack=stack)
    bucket = run.named("artifacts")
    return [(bucket.type, bucket.inputs["tags"]["stack"], bucket.inputs["forceDestroy"])]


def test_program_creates_the_artifact_bucket() -> None:
    assert _run_main("local") == [("aws:s3/bucket:Bucket", "local", True)]


def test_only_the_local_stack_may_destroy_a_full_bucket() -> None:
    assert _run_main("prod") == [("aws:s3/bucket:Bucket", "prod", False)]


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
