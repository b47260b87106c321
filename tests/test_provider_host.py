"""The harness: Pulumi's own dynamic-provider host, driven over gRPC as the engine drives it.

The provider under test is deliberately tiny (one S3 object in the local AWS) so that what these
tests show is the harness and the engine's rules, not a SageMaker resource.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.dynamic.dynamic import serialize_provider

from sagestack.testing.local_aws import LocalAws
from sagestack.testing.provider_host import UNKNOWN, CheckFailed, Deployment, ProviderError, ProviderHost

BUCKET = "harness-bucket"


class S3ObjectProvider(ResourceProvider):
    """One S3 object: `bucket` and `key` identify it (replace), `content` updates in place."""

    serialize_as_secret_always = False

    @staticmethod
    def _s3() -> Any:
        return boto3.client("s3")  # created in the host process, from its environment

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        if news.get("key") != UNKNOWN and not news.get("key"):
            failures.append(CheckFailure("key", "key must be a non-empty string"))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [prop for prop in ("bucket", "key") if olds.get(prop) != news.get(prop)]
        changed = bool(replaces) or olds.get("content") != news.get("content")
        return DiffResult(changes=changed, replaces=replaces, delete_before_replace=False)

    def _outputs(self, props: dict[str, Any]) -> dict[str, Any]:
        head = self._s3().head_object(Bucket=props["bucket"], Key=props["key"])
        plain = {k: v for k, v in props.items() if k != "__provider"}
        return {**plain, "etag": head["ETag"], "copies_type": type(props.get("copies")).__name__}

    def create(self, props: dict[str, Any]) -> CreateResult:
        self._s3().put_object(Bucket=props["bucket"], Key=props["key"], Body=props["content"].encode())
        return CreateResult(f"{props['bucket']}/{props['key']}", self._outputs(props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            body = self._s3().get_object(Bucket=props["bucket"], Key=props["key"])["Body"].read().decode()
        except self._s3().exceptions.NoSuchKey:
            return ReadResult("", {})
        return ReadResult(id_, {**self._outputs(props), "content": body})

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self._s3().put_object(Bucket=news["bucket"], Key=news["key"], Body=news["content"].encode())
        return UpdateResult(self._outputs(news))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        self._s3().delete_object(Bucket=props["bucket"], Key=props["key"])


@pytest.fixture
def s3(aws: LocalAws) -> Any:
    client = aws.client("s3")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    return client


def _content(s3: Any, key: str) -> str:
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()


def _keys(s3: Any) -> list[str]:
    return [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_create_read_diff_update_replace_delete(deployment: Deployment, s3: Any) -> None:
    provider = S3ObjectProvider()
    created = deployment.up("obj", provider, {"bucket": BUCKET, "key": "a.txt", "content": "v1"})
    assert created.operation == "create" and created.state.id == f"{BUCKET}/a.txt"
    assert _content(s3, "a.txt") == "v1"

    s3.put_object(Bucket=BUCKET, Key="a.txt", Body=b"changed outside")
    refreshed = deployment.refresh("obj")
    assert refreshed is not None and refreshed.outputs["content"] == "changed outside"

    assert (
        deployment.up("obj", provider, {"bucket": BUCKET, "key": "a.txt", "content": "changed outside"}).operation
        == "same"
    )
    updated = deployment.up("obj", provider, {"bucket": BUCKET, "key": "a.txt", "content": "v2"})
    assert updated.operation == "update" and updated.diff is not None and updated.diff.replaces == []
    assert _content(s3, "a.txt") == "v2"

    replaced = deployment.up("obj", provider, {"bucket": BUCKET, "key": "b.txt", "content": "v2"})
    assert replaced.operation == "replace" and replaced.diff is not None and replaced.diff.replaces == ["key"]
    assert _keys(s3) == ["b.txt"]

    deployment.destroy("obj")
    assert _keys(s3) == []


def test_refresh_of_a_deleted_object_drops_it_from_state(deployment: Deployment, s3: Any) -> None:
    deployment.up("obj", S3ObjectProvider(), {"bucket": BUCKET, "key": "gone.txt", "content": "x"})
    s3.delete_object(Bucket=BUCKET, Key="gone.txt")
    assert deployment.refresh("obj") is None
    assert "obj" not in deployment.resources


def test_check_failure_names_the_property_and_nothing_is_created(
    deployment: Deployment, aws: LocalAws, s3: Any
) -> None:
    aws.clear_calls()
    with pytest.raises(CheckFailed) as failed:
        deployment.up("obj", S3ObjectProvider(), {"bucket": BUCKET, "key": "", "content": "x"})
    assert failed.value.properties == ["key"]
    assert aws.calls() == {}
    assert deployment.resources == {}


def test_numbers_cross_the_wire_as_floats(deployment: Deployment, s3: Any) -> None:
    step = deployment.up("obj", S3ObjectProvider(), {"bucket": BUCKET, "key": "n.txt", "content": "x", "copies": 2})
    assert step.state.outputs["copies_type"] == "float"


def test_preview_with_unknown_inputs_checks_and_diffs_without_acting(
    deployment: Deployment, aws: LocalAws, s3: Any
) -> None:
    provider = S3ObjectProvider()
    assert deployment.preview("new", provider, {"bucket": BUCKET, "key": UNKNOWN, "content": "x"}) is None
    deployment.up("obj", provider, {"bucket": BUCKET, "key": "p.txt", "content": "x"})
    aws.clear_calls()
    diff = deployment.preview("obj", provider, {"bucket": BUCKET, "key": "p.txt", "content": UNKNOWN})
    assert diff is not None and diff.changes == "some" and diff.replaces == []
    assert aws.calls() == {}
    assert _content(s3, "p.txt") == "x"


def test_provider_errors_reach_the_engine_with_their_message(deployment: Deployment, s3: Any) -> None:
    with pytest.raises(ProviderError) as raised:
        deployment.up("obj", S3ObjectProvider(), {"bucket": "no-such-bucket", "key": "k", "content": "x"})
    assert raised.value.method == "Create"
    assert "NoSuchBucket" in raised.value.details
    assert deployment.resources == {}


def test_a_new_host_carries_on_after_the_old_one_is_killed(aws: LocalAws, s3: Any) -> None:
    provider = S3ObjectProvider()
    first = ProviderHost(env=aws.env())
    first.configure({"aws:region": "us-west-2"})
    deployment = Deployment(first)
    deployment.up("obj", provider, {"bucket": BUCKET, "key": "k.txt", "content": "x"})
    first.kill()
    assert first.process.returncode is not None
    with ProviderHost(env=aws.env()) as second:
        second.configure({"aws:region": "us-west-2"})
        deployment.host = second
        assert deployment.up("obj", provider, {"bucket": BUCKET, "key": "k.txt", "content": "y"}).operation == "update"
    assert _content(s3, "k.txt") == "y"


def test_host_refuses_secrets_and_provider_travels_by_reference(provider_host: ProviderHost) -> None:
    assert provider_host.configure({"aws:region": "us-west-2"}) is False
    serialized = serialize_provider(S3ObjectProvider())
    assert len(serialized) < 1024, "the provider must be pickled by reference, not by value"
