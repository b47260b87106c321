"""One store: every SageMaker resource the local AWS's layer owns is visible to every operation
(List*, Search, tags), boto3's paginators and waiters see them, and moto keeps only the
resources the layer does not own (issue 20)."""

from __future__ import annotations

import http.client
import json
import re
import time
from typing import Any
from urllib.parse import urlsplit

import pytest

from sagestack.local.sagemaker import OPERATIONS
from sagestack.local.sagemaker.ownership import OWNED_NOUNS, moto_operations, moto_serves, noun
from sagestack.testing.local_aws import LocalAws
from tests.aws_errors import aws_error
from tests.sagemaker_requests import ROLE, endpoint_config, feature_group, model, model_package, training_job


def names(pages: Any, key: str, field: str) -> list[str]:
    return [item[field] for page in pages for item in page[key]]


def test_list_models_and_configs_see_what_create_made(frozen_aws: LocalAws) -> None:
    sm = frozen_aws.client("sagemaker")
    for index in range(5):
        sm.create_model(**model(f"model-{index}"))
        sm.create_endpoint_config(**endpoint_config(f"config-{index}", model_name=f"model-{index}"))
        frozen_aws.advance_clock(1)
    pages = sm.get_paginator("list_models").paginate(PaginationConfig={"PageSize": 2})
    assert names(pages, "Models", "ModelName") == [f"model-{i}" for i in (4, 3, 2, 1, 0)]
    pages = sm.get_paginator("list_endpoint_configs").paginate(SortBy="Name", SortOrder="Ascending", NameContains="-3")
    assert names(pages, "EndpointConfigs", "EndpointConfigName") == ["config-3"]
    summary = sm.list_models(MaxResults=1)["Models"][0]
    assert set(summary) == {"ModelName", "ModelArn", "CreationTime"}
    sm.delete_model(ModelName="model-4")
    assert "model-4" not in names([sm.list_models()], "Models", "ModelName")


def test_waiters_and_paginators_follow_the_layer(aws: LocalAws) -> None:
    aws.set_durations({"endpoint": {"creating": 1.0}, "training_job": {"training": 1.0}})
    sm = aws.client("sagemaker")
    sm.create_model(**model())
    sm.create_endpoint_config(**endpoint_config())
    sm.create_endpoint(EndpointName="waited", EndpointConfigName="config-1")
    sm.get_waiter("endpoint_in_service").wait(EndpointName="waited", WaiterConfig={"Delay": 1, "MaxAttempts": 20})
    sm.create_training_job(**training_job("waited"))
    sm.get_waiter("training_job_completed_or_stopped").wait(
        TrainingJobName="waited", WaiterConfig={"Delay": 1, "MaxAttempts": 30}
    )
    assert names(sm.get_paginator("list_training_jobs").paginate(), "TrainingJobSummaries", "TrainingJobName") == [
        "waited"
    ]
    assert names(sm.get_paginator("list_endpoints").paginate(), "Endpoints", "EndpointName") == ["waited"]


def _search(sm: Any, resource: str, **kwargs: Any) -> list[dict[str, Any]]:
    pages = sm.get_paginator("search").paginate(Resource=resource, **kwargs)
    return [result for page in pages for result in page["Results"]]


def test_search_training_jobs_by_name_status_properties_and_tags(frozen_aws: LocalAws) -> None:
    frozen_aws.set_durations({"training_job": {"starting": 10, "downloading": 10, "training": 10, "uploading": 10}})
    sm = frozen_aws.client("sagemaker")
    for index, team in enumerate(["red", "blue", "red", "green"]):
        sm.create_training_job(
            **training_job(
                f"churn-{index}",
                Tags=[{"Key": "team", "Value": team}],
                HyperParameters={"max_depth": str(index + 3)},
            )
        )
        frozen_aws.advance_clock(1)
    sm.create_training_job(**training_job("other"))
    sm.stop_training_job(TrainingJobName="churn-0")

    def found(expression: dict[str, Any], **kwargs: Any) -> list[str]:
        results = _search(sm, "TrainingJob", SearchExpression=expression, **kwargs)
        return [result["TrainingJob"]["TrainingJobName"] for result in results]

    assert found({"Filters": [{"Name": "TrainingJobName", "Operator": "Equals", "Value": "churn-2"}]}) == ["churn-2"]
    contains = {"Filters": [{"Name": "TrainingJobName", "Operator": "Contains", "Value": "churn"}]}
    assert found(contains, SortBy="CreationTime") == [
        "churn-3",
        "churn-2",
        "churn-1",
        "churn-0",
    ]
    assert found(contains)[0] == "churn-0", "by default the last modified first: churn-0 was just stopped"
    assert found({"Filters": [{"Name": "TrainingJobStatus", "Operator": "Equals", "Value": "Stopping"}]}) == ["churn-0"]
    red = {"Filters": [{"Name": "Tags.team", "Operator": "Equals", "Value": "red"}]}
    assert found(red, SortBy="TrainingJobName", SortOrder="Ascending") == ["churn-0", "churn-2"]
    not_red = {"Filters": [{"Name": "Tags.team", "Operator": "NotEquals", "Value": "red"}]}
    assert sorted(found(not_red)) == ["churn-1", "churn-3", "other"]
    deep = {"Filters": [{"Name": "HyperParameters.max_depth", "Operator": "GreaterThanOrEqualTo", "Value": "5"}]}
    assert sorted(found(deep)) == ["churn-2", "churn-3", "other"], "other's max_depth is 5"
    either = {
        "Operator": "Or",
        "SubExpressions": [
            {"Filters": [{"Name": "TrainingJobName", "Operator": "Equals", "Value": "other"}]},
            {"Filters": [{"Name": "Tags.team", "Operator": "Equals", "Value": "green"}]},
        ],
    }
    assert sorted(found(either)) == ["churn-3", "other"]
    channel = {
        "NestedFilters": [
            {
                "NestedPropertyName": "InputDataConfig",
                "Filters": [{"Name": "InputDataConfig.ChannelName", "Operator": "Equals", "Value": "train"}],
            }
        ]
    }
    assert len(found(channel)) == 5
    record = _search(
        sm,
        "TrainingJob",
        SearchExpression={"Filters": [{"Name": "TrainingJobName", "Operator": "Equals", "Value": "churn-1"}]},
    )[0]["TrainingJob"]
    assert record["Tags"] == [{"Key": "team", "Value": "blue"}]
    assert record["EnableNetworkIsolation"] is False
    page = sm.search(Resource="TrainingJob", MaxResults=2, SortBy="CreationTime", SortOrder="Ascending")
    assert [r["TrainingJob"]["TrainingJobName"] for r in page["Results"]] == ["churn-0", "churn-1"]
    assert page["TotalHits"] == {"Value": 5, "Relation": "EqualTo"} and "NextToken" in page


def test_search_endpoints_models_packages_and_feature_groups(frozen_aws: LocalAws) -> None:
    sm = frozen_aws.client("sagemaker")
    sm.create_model(**model("m1"))
    sm.create_model(**model("unused"))
    sm.create_endpoint_config(**endpoint_config("c1", model_name="m1"))
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="c1", Tags=[{"Key": "env", "Value": "prod"}])
    sm.create_model_package_group(ModelPackageGroupName="churn")
    sm.create_model_package(**model_package("churn"))
    sm.create_model_package(**model_package("churn"))
    sm.create_feature_group(**feature_group("customers", online=True))
    frozen_aws.advance_clock(3600)

    endpoint = _search(
        sm,
        "Endpoint",
        SearchExpression={"Filters": [{"Name": "EndpointStatus", "Operator": "Equals", "Value": "InService"}]},
    )
    assert [(r["Endpoint"]["EndpointName"], r["Endpoint"]["Tags"]) for r in endpoint] == [
        ("ep", [{"Key": "env", "Value": "prod"}])
    ]
    models = {r["Model"]["Model"]["ModelName"]: r["Model"] for r in _search(sm, "Model")}
    assert [e["EndpointName"] for e in models["m1"]["Endpoints"]] == ["ep"] and models["unused"]["Endpoints"] == []
    versions = _search(
        sm,
        "ModelPackage",
        SearchExpression={
            "Filters": [
                {"Name": "ModelPackageGroupName", "Operator": "Equals", "Value": "churn"},
                {"Name": "ModelPackageVersion", "Operator": "Equals", "Value": "2"},
            ]
        },
    )
    assert [r["ModelPackage"]["ModelPackageArn"].rsplit("/", 1)[-1] for r in versions] == ["2"]
    assert [r["ModelPackageGroup"]["ModelPackageGroupName"] for r in _search(sm, "ModelPackageGroup")] == ["churn"]
    groups = _search(
        sm,
        "FeatureGroup",
        SearchExpression={"Filters": [{"Name": "FeatureGroupStatus", "Operator": "Equals", "Value": "Created"}]},
    )
    assert [r["FeatureGroup"]["FeatureGroupName"] for r in groups] == ["customers"]
    features = _search(
        sm,
        "FeatureMetadata",
        SearchExpression={"Filters": [{"Name": "FeatureType", "Operator": "In", "Value": "Integral,String"}]},
        SortBy="FeatureName",
        SortOrder="Ascending",
    )
    assert [r["FeatureMetadata"]["FeatureName"] for r in features] == ["age", "customer_id"]


def test_search_on_resources_the_layer_does_not_own_goes_to_moto(aws: LocalAws) -> None:
    sm = aws.client("sagemaker")
    sm.create_experiment(ExperimentName="exp-1")
    assert [r["Experiment"]["ExperimentName"] for r in sm.search(Resource="Experiment")["Results"]] == ["exp-1"]


def test_tags_follow_their_resource(aws: LocalAws) -> None:
    sm = aws.client("sagemaker")
    arn = sm.create_model(**model())["ModelArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "a", "Value": "1"}])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "a", "Value": "1"}]
    missing = arn.replace("model-1", "missing")
    assert aws_error(sm.list_tags, ResourceArn=missing)[0] == "ValidationException"
    notebook = sm.create_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE)
    sm.add_tags(ResourceArn=notebook["NotebookInstanceArn"], Tags=[{"Key": "b", "Value": "2"}])
    assert sm.list_tags(ResourceArn=notebook["NotebookInstanceArn"])["Tags"] == [{"Key": "b", "Value": "2"}]


def test_operations_on_owned_resources_never_reach_moto(aws: LocalAws) -> None:
    """A transform job would run one of our models from moto's empty store: refused, fast."""
    sm = aws.client("sagemaker")
    sm.create_model(**model())
    code, message = aws_error(
        sm.create_transform_job,
        TransformJobName="t",
        ModelName="model-1",
        TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://d/in"}}},
        TransformOutput={"S3OutputPath": "s3://d/out"},
        TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1},
    )
    assert code == "UnknownOperationException" and "CreateTransformJob" in message
    assert aws_error(sm.list_transform_jobs)[0] == "UnknownOperationException"
    assert sm.list_notebook_instances()["NotebookInstances"] == [], "moto still serves what the layer does not own"


def test_versioned_package_summaries_carry_no_package_name(aws: LocalAws) -> None:
    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="churn")
    arn = sm.create_model_package(**model_package("churn"))["ModelPackageArn"]
    sm.create_model_package(
        ModelPackageName="standalone", InferenceSpecification=model_package()["InferenceSpecification"]
    )
    [versioned] = sm.list_model_packages(ModelPackageGroupName="churn")["ModelPackageSummaryList"]
    assert "ModelPackageName" not in versioned
    assert (versioned["ModelPackageGroupName"], versioned["ModelPackageVersion"]) == ("churn", 1)
    [unversioned] = sm.list_model_packages()["ModelPackageSummaryList"]
    assert unversioned["ModelPackageName"] == "standalone"
    described = sm.describe_model_package(ModelPackageName=arn)
    assert described["ModelPackageName"] == "churn" and described["ModelPackageRegistrationType"] == "Registered"
    batch = sm.batch_describe_model_package(ModelPackageArnList=[arn, arn + "0"])
    assert batch["ModelPackageSummaries"][arn]["ModelPackageVersion"] == 1
    assert list(batch["BatchDescribeModelPackageErrorMap"]) == [arn + "0"]


def test_delete_training_job_on_a_missing_job_answers_as_documented(aws: LocalAws) -> None:
    """botocore's model (and the API reference) list ResourceNotFound for DeleteTrainingJob; no
    public report shows the service answering otherwise (DescribeTrainingJob's ValidationException
    is a documented exception of its own)."""
    sm = aws.client("sagemaker")
    assert aws_error(sm.delete_training_job, TrainingJobName="missing")[0] == "ResourceNotFound"
    assert aws_error(sm.describe_training_job, TrainingJobName="missing")[0] == "ValidationException"


def test_describe_answers_are_complete_and_timed_to_the_millisecond(aws: LocalAws) -> None:
    sm = aws.client("sagemaker")
    sm.create_training_job(**training_job("full"))
    sm.create_model(**model())
    sm.create_endpoint_config(
        **endpoint_config()
        | {
            "ProductionVariants": [
                {
                    "VariantName": "primary",
                    "ModelName": "model-1",
                    "InitialInstanceCount": 1,
                    "InstanceType": "ml.m5.large",
                }
            ]
        }
    )
    job = _raw(aws, "DescribeTrainingJob", {"TrainingJobName": "full"})
    assert (
        job["EnableNetworkIsolation"],
        job["EnableInterContainerTrafficEncryption"],
        job["EnableManagedSpotTraining"],
    ) == (
        False,
        False,
        False,
    )
    assert re.fullmatch(r"\d+(\.\d{1,3})?", repr(job["CreationTime"])), job["CreationTime"]
    assert _raw(aws, "DescribeModel", {"ModelName": "model-1"})["EnableNetworkIsolation"] is False
    config = _raw(aws, "DescribeEndpointConfig", {"EndpointConfigName": "config-1"})
    assert config["ProductionVariants"][0]["InitialVariantWeight"] == 1.0


def _raw(aws: LocalAws, operation: str, body: dict[str, Any]) -> dict[str, Any]:
    """A SageMaker answer as sent on the wire (botocore would turn timestamps into datetimes)."""
    url = urlsplit(aws.url)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
    credential = f"testing/{time.strftime('%Y%m%d')}/us-west-2/sagemaker/aws4_request"
    connection.request(
        "POST",
        "/",
        json.dumps(body),
        {
            "X-Amz-Target": f"SageMaker.{operation}",
            "Content-Type": "application/x-amz-json-1.1",
            "Authorization": f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host, Signature=0",
        },
    )
    response = connection.getresponse()
    assert response.status == 200
    return json.loads(response.read())


@pytest.mark.parametrize("operation", ["ListModels", "ListEndpointConfigs", "Search", "BatchDescribeModelPackage"])
def test_the_layer_answers_the_listing_operations(aws: LocalAws, operation: str) -> None:
    assert operation in aws.health()["sagemaker_operations"]


def test_moto_keeps_only_what_the_layer_does_not_own() -> None:
    """Which of moto's SageMaker operations still reach moto: none on a resource the layer owns
    or on one that would create or run ours. A moto upgrade that adds such an operation is
    refused until the layer answers it."""
    served = {op for op in moto_operations() if moto_serves(op)}
    assert {"CreateNotebookInstance", "CreatePipeline", "CreateExperiment", "DescribeCluster"} <= served
    owned = {op for op in moto_operations() if noun(op) in OWNED_NOUNS}
    assert owned - set(OPERATIONS) == set(), "an owned resource's operation moto has and the layer lacks"
    # Tags (routed by ARN) and Search (by resource type) are the layer's and moto's by request.
    refused = sorted(op for op in moto_operations() - served if op not in OPERATIONS)
    assert refused == sorted(
        {
            "CreateAutoMLJobV2",
            "DescribeAutoMLJobV2",
            "ListAutoMLJobs",
            "StopAutoMLJob",
            "CreateHyperParameterTuningJob",
            "DeleteHyperParameterTuningJob",
            "DescribeHyperParameterTuningJob",
            "ListHyperParameterTuningJobs",
            "CreateTransformJob",
            "DescribeTransformJob",
            "ListTransformJobs",
        }
    )
