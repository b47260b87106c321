"""The local AWS driven by a client no one here wrote: the AWS CLI (v1, the `awscli` dev
dependency; v2 is not on PyPI). It ships its own copy of botocore, so its serializers, parsers,
paginators and waiters are not the ones the rest of the suite runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from sagestack.testing.local_aws import LocalAws
from tests.sagemaker_requests import endpoint_config, feature_group, model, training_job

AWS_CLI = Path(sys.executable).parent / "aws"


def cli(aws: LocalAws, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    assert AWS_CLI.exists(), "the AWS CLI comes with the dev extra: pip install -e '.[dev]'"
    env = {
        **os.environ,
        **aws.env(),
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    result = subprocess.run(
        [str(AWS_CLI), "--output", "json", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def cli_json(aws: LocalAws, *args: str) -> Any:
    return json.loads(cli(aws, *args).stdout or "{}")


def test_list_models_and_configs_with_the_cli_paginating(aws: LocalAws) -> None:
    sm = aws.client("sagemaker")
    for index in range(3):
        sm.create_model(**model(f"m{index}"))
        sm.create_endpoint_config(**endpoint_config(f"c{index}", model_name=f"m{index}"))
    models = cli_json(
        aws, "sagemaker", "list-models", "--page-size", "1", "--sort-by", "Name", "--sort-order", "Ascending"
    )
    assert [m["ModelName"] for m in models["Models"]] == ["m0", "m1", "m2"]
    configs = cli_json(aws, "sagemaker", "list-endpoint-configs", "--name-contains", "c1")
    assert [c["EndpointConfigName"] for c in configs["EndpointConfigs"]] == ["c1"]
    described = cli_json(aws, "sagemaker", "describe-model", "--model-name", "m1")
    assert described["EnableNetworkIsolation"] is False


def test_search_and_describe_with_the_cli(aws: LocalAws) -> None:
    sm = aws.client("sagemaker")
    sm.create_training_job(**training_job("cli-job", Tags=[{"Key": "team", "Value": "ml"}]))
    expression = json.dumps({"Filters": [{"Name": "Tags.team", "Operator": "Equals", "Value": "ml"}]})
    found = cli_json(aws, "sagemaker", "search", "--resource", "TrainingJob", "--search-expression", expression)
    assert [r["TrainingJob"]["TrainingJobName"] for r in found["Results"]] == ["cli-job"]
    job = cli_json(aws, "sagemaker", "describe-training-job", "--training-job-name", "cli-job")
    assert (job["EnableNetworkIsolation"], job["EnableManagedSpotTraining"]) == (False, False)


def test_wait_and_invoke_an_endpoint_with_the_cli(frozen_aws: LocalAws, tmp_path: Path) -> None:
    aws = frozen_aws
    aws.set_durations({"endpoint": {"creating": 60.0}})
    sm = aws.client("sagemaker")
    sm.create_model(**model())
    sm.create_endpoint_config(**endpoint_config())
    sm.create_endpoint(EndpointName="cli-ep", EndpointConfigName="config-1")
    out = tmp_path / "answer.json"
    refused = cli(
        aws, "sagemaker-runtime", "invoke-endpoint", "--endpoint-name", "cli-ep", "--body", "{}", str(out), check=False
    )
    assert refused.returncode != 0 and "Endpoint cli-ep of account 123456789012 not found." in refused.stderr
    aws.advance_clock(60)
    cli(aws, "sagemaker", "wait", "endpoint-in-service", "--endpoint-name", "cli-ep")  # its first poll sees it
    aws.respond("cli-ep", "fixed", body='{"score": 0.5}')
    answer = cli_json(
        aws,
        "sagemaker-runtime",
        "invoke-endpoint",
        "--endpoint-name",
        "cli-ep",
        "--body",
        "1,2",
        "--content-type",
        "text/csv",
        str(out),
    )
    assert answer["InvokedProductionVariant"] == "primary"
    assert json.loads(out.read_text()) == {"score": 0.5}
    [request] = aws.requests("sagemaker-runtime:InvokeEndpoint")[-1:]
    assert request["body"]["Body"] == "1,2"


def test_the_online_store_with_the_cli(aws: LocalAws) -> None:
    aws.set_durations({"feature_group": {"creating": 0.0}})
    aws.client("sagemaker").create_feature_group(**feature_group("cli-fg", online=True))
    record = [
        {"FeatureName": "customer_id", "ValueAsString": "c1"},
        {"FeatureName": "event_time", "ValueAsString": str(aws.now())},  # within the group's 30-day TTL
        {"FeatureName": "age", "ValueAsString": "40"},
    ]
    cli(
        aws,
        "sagemaker-featurestore-runtime",
        "put-record",
        "--feature-group-name",
        "cli-fg",
        "--record",
        json.dumps(record),
    )
    got = cli_json(
        aws,
        "sagemaker-featurestore-runtime",
        "get-record",
        "--feature-group-name",
        "cli-fg",
        "--record-identifier-value-as-string",
        "c1",
        "--feature-names",
        "age",
    )
    assert got["Record"] == [{"FeatureName": "age", "ValueAsString": "40"}]
    bad = cli(
        aws,
        "sagemaker-featurestore-runtime",
        "put-record",
        "--feature-group-name",
        "cli-fg",
        "--record",
        json.dumps([*record[:2], {"FeatureName": "age", "ValueAsString": "forty"}]),
        check=False,
    )
    assert bad.returncode != 0 and "ValidationError" in bad.stderr


def test_an_unemulated_operation_fails_fast_in_the_cli(aws: LocalAws) -> None:
    started = time.monotonic()
    result = cli(aws, "sagemaker", "update-training-job", "--training-job-name", "x", check=False)
    seconds = time.monotonic() - started
    assert result.returncode != 0 and "UnknownOperationException" in result.stderr
    # The CLI's own start takes most of it; moto's 500 page made it retry for 9-16 s.
    assert seconds < 5, seconds
    assert aws.calls()["sagemaker:UpdateTrainingJob"] == 1


@pytest.mark.parametrize("command", [["sagemaker", "list-training-jobs"], ["sagemaker", "list-endpoints"]])
def test_empty_listings_parse(aws: LocalAws, command: list[str]) -> None:
    assert cli_json(aws, *command)
