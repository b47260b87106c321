"""Every member of every emulated operation's output is answered, or named here with the reason
the layer leaves it out (issue 20: describe answers lacked members clients rely on).

A scenario drives every operation the layer answers (control plane and runtimes) with requests
that set every optional top-level member, then walks each output shape: its members, and the
members of the structures the layer builds itself (not those it echoes from a request: a shape
that also appears in a request is the caller's, whatever it holds). Each member never answered
must be in ALLOWED with a reason, and each ALLOWED entry must really be missing, so the list
stays true as the layer grows. Every answer also fits its shape (`shape_errors`).
"""

from __future__ import annotations

import functools
import re
from typing import Any, cast

import pytest
from botocore.model import ListShape, MapShape, Shape, StructureShape
from botocore.utils import ArgumentGenerator

from sagestack.local.control import ControlState, FailureFault, Reply, RollbackFault
from sagestack.local.sagemaker import SERVICE_OPERATIONS, SageMakerLayer
from sagestack.local.sagemaker.core import element, map_value, output_shape, service_model
from sagestack.local.sagemaker.search import RESOURCES
from tests.sagemaker_requests import IMAGE, ROLE, endpoint_config, feature_group, model, model_package, training_job
from tests.test_local_fidelity import shape_errors
from tests.test_local_jobs import processing_job

ACCOUNT, REGION = "123456789012", "us-west-2"
SEARCHED = {member for member, _ in RESOURCES.values()}
T0 = 1_750_000_000.0

ALLOWED: dict[str, tuple[str, ...]] = {
    "the layer runs no container: there are no metrics, tokens, progress, MLflow runs or exit messages": (
        "DescribeTrainingJob.FinalMetricDataList",
        "DescribeTrainingJob.BillableTokenCount",
        "DescribeTrainingJob.ProgressInfo",
        "DescribeTrainingJob.MlflowDetails",
        "DescribeProcessingJob.ExitMessage",
        "ListProcessingJobs.ProcessingJobSummaries[].ExitMessage",
    ),
    "set only for jobs launched by tuning, AutoML, labeling or a monitoring schedule, none of which the layer runs": (
        "DescribeTrainingJob.TuningJobArn",
        "DescribeTrainingJob.LabelingJobArn",
        "DescribeTrainingJob.AutoMLJobArn",
        "DescribeProcessingJob.MonitoringScheduleArn",
        "DescribeProcessingJob.AutoMLJobArn",
        "DescribeProcessingJob.TrainingJobArn",
    ),
    "registering the trained model as a package (ModelPackageConfig) is not emulated": (
        "DescribeTrainingJob.OutputModelPackageArn",
    ),
    "debugger and profiler rules run no processing job here: no rule job ARN, no details": (
        "DescribeTrainingJob.*RuleEvaluationStatuses[].RuleEvaluationJobArn",
        "DescribeTrainingJob.*RuleEvaluationStatuses[].StatusDetails",
    ),
    "warm pools and training plans (reserved capacity) are not emulated": (
        "DescribeTrainingJob.WarmPoolStatus",
        "ListTrainingJobs.TrainingJobSummaries[].WarmPoolStatus",
        "ListTrainingJobs.TrainingJobSummaries[].TrainingPlanArn",
    ),
    "the local AWS checks no credentials: it knows no caller identity or Studio user profile": (
        "DescribeModelPackage.CreatedBy",
        "DescribeModelPackage.LastModifiedBy",
        "DescribeModelPackageGroup.CreatedBy.*",
    ),
    "no image is scanned: ImageScanStatuses is answered empty": (
        "DescribeModelPackage.ModelPackageStatusDetails.ImageScanStatuses[]",
    ),
    "Inference Recommender is not emulated": ("DescribeModel.DeploymentRecommendation",),
    "feature group updates do not fail and offline stores are never blocked (no fault kind for either)": (
        "DescribeFeatureGroup.LastUpdateStatus.FailureReason",
        "*.OfflineStoreStatus.BlockedReason",
    ),
    "every feature definition is answered in one page": ("DescribeFeatureGroup.NextToken",),
    "service-managed package groups (ManagedConfiguration) are not emulated": (
        "ListModelPackageGroups.ModelPackageGroupSummaryList[].ManagedConfiguration",
    ),
    "the service reports VariantStatus while a variant changes; the layer reports change only in the pending summary, "
    "with no status message": (
        "DescribeEndpoint.ProductionVariants[].VariantStatus",
        "DescribeEndpoint.ShadowProductionVariants[].VariantStatus",
        "DescribeEndpoint.PendingDeploymentSummary.*VariantStatus[].StatusMessage",
    ),
    "accelerator partitions and capacity reservation usage are not modeled (the configured preference and ARN are "
    "answered)": (
        "DescribeEndpoint.*AcceleratorPartitionLayouts",
        "DescribeEndpoint.*CapacityReservationConfig.AvailableInstanceCount",
        "DescribeEndpoint.*CapacityReservationConfig.Ec2CapacityReservations",
        "DescribeEndpoint.*CapacityReservationConfig.TotalInstanceCount",
        "DescribeEndpoint.*CapacityReservationConfig.UsedByCurrentEndpoint",
    ),
    "stateful inference sessions (SessionId) are not emulated": (
        "InvokeEndpoint.NewSessionId",
        "InvokeEndpoint.ClosedSessionId",
    ),
}
"""Output members the layer never answers: reason -> member paths (fnmatch patterns; a path also
covers the members below it)."""


def allowed(path: str) -> str | None:
    """The pattern of ALLOWED that covers `path` (`*` matches anything), if any."""
    for patterns in ALLOWED.values():
        for pattern in patterns:
            if re.fullmatch(re.escape(pattern).replace(r"\*", ".*") + r"([.\[{].*)?", path):
                return pattern
    return None


@functools.cache
def input_shapes(service: str) -> frozenset[str]:
    """Every shape reachable from any request of `service`: structures the caller writes."""
    model_ = service_model(service)
    seen: set[str] = set()

    def walk(shape: Shape | None) -> None:
        if shape is None or shape.name in seen:
            return
        seen.add(shape.name)
        if isinstance(shape, StructureShape):
            for member in cast(dict[str, Shape], shape.members).values():
                walk(member)
        elif isinstance(shape, ListShape):
            walk(element(shape))
        elif isinstance(shape, MapShape):
            walk(map_value(shape))

    for name in cast(list[str], model_.operation_names):
        walk(cast(Shape | None, model_.operation_model(name).input_shape))
    return frozenset(seen)


def member_paths(shape: Shape, path: str, service: str) -> set[str]:
    """The member paths of an output shape the layer is answerable for (see the module docstring)."""
    if isinstance(shape, ListShape):
        return member_paths(element(shape), path + "[]", service)
    if isinstance(shape, MapShape):
        return member_paths(map_value(shape), path + "{}", service)
    if not isinstance(shape, StructureShape) or shape.name in input_shapes(service):
        return set()
    paths: set[str] = set()
    for name, member in cast(dict[str, Shape], shape.members).items():
        if shape.name == "SearchRecord":
            # A record is its resource's describe answer (walked there) plus Tags; the members
            # for resources the layer does not own are moto's to answer.
            if name in SEARCHED:
                paths.add(f"{path}.{name}")
            continue
        paths.add(f"{path}.{name}")
        paths |= member_paths(member, f"{path}.{name}", service)
    return paths


def answered_paths(value: Any, shape: Shape, path: str) -> set[str]:
    """The member paths an answer holds, named as member_paths names them."""
    if isinstance(shape, ListShape) and isinstance(value, list):
        return {p for item in value for p in answered_paths(item, element(shape), path + "[]")}
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return {p for item in value.values() for p in answered_paths(item, map_value(shape), path + "{}")}
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        members = cast(dict[str, Shape], shape.members)
        paths: set[str] = set()
        for key, item in value.items():
            if key in members:
                paths.add(f"{path}.{key}")
                paths |= answered_paths(item, members[key], f"{path}.{key}")
        return paths
    return set()


def _enums_valid(value: Any, shape: Shape) -> Any:
    """The generator's placeholders with each enum's first value (it writes the member's name)."""
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        members = cast(dict[str, Shape], shape.members)
        return {key: _enums_valid(item, members[key]) for key, item in value.items()}
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [_enums_valid(item, element(shape)) for item in value]
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return {key: _enums_valid(item, map_value(shape)) for key, item in value.items()}
    enum = cast(list[str], getattr(shape, "enum", None) or [])
    return enum[0] if enum and value not in enum else value


def maximal(operation: str, base: dict[str, Any], *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """`base` plus a placeholder for every optional top-level member it leaves out."""
    shape = cast(Shape | None, service_model().operation_model(operation).input_shape)
    assert shape is not None
    skeleton = _enums_valid(ArgumentGenerator(use_member_names=True).generate_skeleton(shape), shape)
    return {key: value for key, value in skeleton.items() if key not in skip} | base


class Scenario:
    def __init__(self) -> None:
        self.control = ControlState()
        self.control.clock.freeze(at=T0)
        self.layer = SageMakerLayer(self.control)
        self.answers: list[tuple[str, str, dict[str, Any]]] = []

    def __call__(self, operation: str, service: str = "sagemaker", **body: Any) -> dict[str, Any]:
        answer = self.layer.handle(operation, body, ACCOUNT, REGION, service=service)
        self.answers.append((service, operation, answer))
        return answer

    def advance(self, seconds: float) -> None:
        self.control.clock.advance(seconds)


FS, RT = "sagemaker-featurestore-runtime", "sagemaker-runtime"


def run_scenario() -> Scenario:
    call = Scenario()
    _create_jobs(call)
    _create_hosting(call)
    package_arn = _create_registry_and_features(call)
    call.advance(3600)
    _change(call, package_arn)
    call.advance(3600)
    _read(call, package_arn)
    _invoke_and_use_records(call)
    call.advance(3600)
    _delete(call, package_arn)
    return call


def _create_jobs(call: Scenario) -> None:
    faults = call.control.faults
    for kind, name in (
        ("training_job", "failed"),
        ("processing_job", "failed"),
        ("endpoint", "failed"),
        ("feature_group", "failed"),
        ("model_package", "churn/2"),
    ):
        faults.arm_failure(FailureFault.model_validate({"kind": kind, "name": name, "reason": f"{kind} failed"}))
    # Training and processing jobs, every optional member set.
    training = maximal(
        "CreateTrainingJob",
        training_job("full", AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"}),
        skip=("SessionChainingConfig",),
    )
    call("CreateTrainingJob", **training)
    call("CreateTrainingJob", **training_job("plain"))
    call("StopTrainingJob", TrainingJobName="plain")
    call("CreateTrainingJob", **training_job("failed"))
    call("CreateProcessingJob", **maximal("CreateProcessingJob", processing_job("full")))
    call("CreateProcessingJob", **processing_job("failed"))
    call("CreateProcessingJob", **processing_job("stopped"))
    call("StopProcessingJob", ProcessingJobName="stopped")


def _create_hosting(call: Scenario) -> None:
    """Models, configs, endpoints: a full (async) one, a plain one to invoke, a failed one."""
    call("CreateModel", **maximal("CreateModel", model("m1"), skip=("Containers",)))
    call("CreateModel", **model("m2"))
    call("CreateModel", ModelName="m3", ExecutionRoleArn=ROLE, Containers=[{"Image": IMAGE}, {"Image": IMAGE + "-b"}])
    extras = {
        "AcceleratorType": "ml.eia1.medium",
        "InstancePools": [
            {"InstanceType": "ml.m5.large", "Priority": 1},
            {"InstanceType": "ml.c5.large", "Priority": 2},
        ],
        "ManagedInstanceScaling": {"Status": "ENABLED", "MinInstanceCount": 1, "MaxInstanceCount": 2},
        "RoutingConfig": {"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"},
        "CapacityReservationConfig": {
            "CapacityReservationPreference": "capacity-reservations-only",
            "MlReservationArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:reserved-capacity/r1",
        },
    }
    shadow = {
        "VariantName": "shadow",
        "ModelName": "m2",
        "InitialInstanceCount": 1,
        "InstanceType": "ml.m5.large",
    } | extras
    full_config = maximal("CreateEndpointConfig", endpoint_config("full", model_name="m1"))
    full_config["ShadowProductionVariants"] = [shadow]
    full_config["DataCaptureConfig"] |= {"DestinationS3Uri": "s3://capture/full", "InitialSamplingPercentage": 100}
    full_config["AsyncInferenceConfig"]["OutputConfig"] |= {
        "S3OutputPath": "s3://async/out",
        "S3FailurePath": "s3://async/failed",
    }
    full_config["ProductionVariants"][0] |= extras
    call("CreateEndpointConfig", **full_config)
    call("CreateEndpointConfig", **endpoint_config("plain", model_name="m2"))
    serverless = {
        "VariantName": "primary",
        "ModelName": "m3",
        "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5},
    }
    call(
        "CreateEndpointConfig",
        EndpointConfigName="serverless",
        ProductionVariants=[serverless],
        ShadowProductionVariants=[serverless | {"VariantName": "shadow"}],
    )
    call("CreateEndpoint", **maximal("CreateEndpoint", {"EndpointName": "full", "EndpointConfigName": "full"}))
    call("CreateEndpoint", EndpointName="plain", EndpointConfigName="plain")
    call("CreateEndpoint", EndpointName="failed", EndpointConfigName="plain")


def _create_registry_and_features(call: Scenario) -> str:
    call("CreateFeatureGroup", **maximal("CreateFeatureGroup", feature_group("fg", online=True)))
    call("CreateFeatureGroup", **feature_group("failed"))
    call("CreateModelPackageGroup", **maximal("CreateModelPackageGroup", {"ModelPackageGroupName": "churn"}))
    call("CreateModelPackageGroup", ModelPackageGroupName="other")
    versioned = maximal("CreateModelPackage", model_package("churn"), skip=("ModelPackageName", "Tags", "ClientToken"))
    package_arn = call("CreateModelPackage", **versioned)["ModelPackageArn"]
    call("CreateModelPackage", **model_package("churn"))  # version 2 fails validation
    call(
        "CreateModelPackage",
        ModelPackageName="standalone",
        InferenceSpecification=model_package()["InferenceSpecification"],
    )
    return package_arn


def _change(call: Scenario, package_arn: str) -> None:
    for config in ("full", "serverless"):  # each update's pending summary, then back
        call("UpdateEndpoint", EndpointName="plain", EndpointConfigName=config)
        call("DescribeEndpoint", EndpointName="plain")
        call.advance(3600)
        call("DescribeEndpoint", EndpointName="plain")
    call.control.faults.arm_rollback(RollbackFault(endpoint="plain"))
    call("UpdateEndpoint", EndpointName="plain", EndpointConfigName="plain")
    call.advance(3600)
    call("DescribeEndpoint", EndpointName="plain")
    call("UpdateEndpoint", EndpointName="plain", EndpointConfigName="plain")
    call.advance(3600)
    call(
        "UpdateEndpointWeightsAndCapacities",
        EndpointName="plain",
        DesiredWeightsAndCapacities=[{"VariantName": "primary", "DesiredWeight": 2.0}],
    )
    call("UpdateFeatureGroup", FeatureGroupName="fg", FeatureAdditions=[{"FeatureName": "x", "FeatureType": "String"}])
    call("UpdateModelPackage", ModelPackageArn=package_arn, ModelApprovalStatus="Approved", ApprovalDescription="ok")


def _read(call: Scenario, package_arn: str) -> None:

    for name in ("full", "plain", "failed"):
        call("DescribeTrainingJob", TrainingJobName=name)
        call("DescribeEndpoint", EndpointName=name)
    for name in ("full", "stopped", "failed"):
        call("DescribeProcessingJob", ProcessingJobName=name)
    for name in ("m1", "m3"):
        call("DescribeModel", ModelName=name)
    call("DescribeEndpointConfig", EndpointConfigName="full")
    for name in ("fg", "failed"):
        call("DescribeFeatureGroup", FeatureGroupName=name)
    call("DescribeModelPackageGroup", ModelPackageGroupName="churn")
    call("DescribeModelPackage", ModelPackageName=package_arn)
    call("DescribeModelPackage", ModelPackageName=package_arn.replace("/1", "/2"))
    call("BatchDescribeModelPackage", ModelPackageArnList=[package_arn, package_arn + "0"])
    for operation in (
        "ListTrainingJobs",
        "ListProcessingJobs",
        "ListModels",
        "ListEndpointConfigs",
        "ListEndpoints",
        "ListFeatureGroups",
        "ListModelPackageGroups",
    ):
        call(operation, MaxResults=1)
        call(operation, MaxResults=100)
    call("ListModelPackages", ModelPackageType="Both", MaxResults=1)
    call("ListModelPackages", ModelPackageType="Both", MaxResults=100)
    for resource in (
        "TrainingJob",
        "Endpoint",
        "Model",
        "ModelPackage",
        "ModelPackageGroup",
        "FeatureGroup",
        "FeatureMetadata",
    ):
        call("Search", Resource=resource, MaxResults=1)
    arn = call("DescribeTrainingJob", TrainingJobName="plain")["TrainingJobArn"]
    call("AddTags", ResourceArn=arn, Tags=[{"Key": "a", "Value": "b"}, {"Key": "c", "Value": "d"}])
    call("ListTags", ResourceArn=arn, MaxResults=1)
    call("DeleteTags", ResourceArn=arn, TagKeys=["a"])


def _invoke_and_use_records(call: Scenario) -> None:
    call.control.responders.set("plain", lambda invocation: Reply(b"{}", "application/json", "attr=1"))
    call("InvokeEndpoint", RT, EndpointName="plain", Body=b"{}", ContentType="application/json")
    call("InvokeEndpointAsync", RT, EndpointName="full", InputLocation="s3://nowhere/in.json")
    record = [
        {"FeatureName": "customer_id", "ValueAsString": "c1"},
        {"FeatureName": "event_time", "ValueAsString": str(T0)},
    ]
    call("PutRecord", FS, FeatureGroupName="fg", Record=record)
    call("GetRecord", FS, FeatureGroupName="fg", RecordIdentifierValueAsString="c1", ExpirationTimeResponse="Enabled")
    call(
        "BatchGetRecord",
        FS,
        ExpirationTimeResponse="Enabled",
        Identifiers=[
            {"FeatureGroupName": "fg", "RecordIdentifiersValueAsString": ["c1"]},
            {"FeatureGroupName": "nope", "RecordIdentifiersValueAsString": ["c1"]},
        ],
    )
    call("DeleteRecord", FS, FeatureGroupName="fg", RecordIdentifierValueAsString="c1", EventTime=str(T0 + 1))


def _delete(call: Scenario, package_arn: str) -> None:
    for delete, key, name in (
        ("DeleteEndpoint", "EndpointName", "full"),
        ("DeleteEndpointConfig", "EndpointConfigName", "full"),
        ("DeleteModel", "ModelName", "m1"),
        ("DeleteFeatureGroup", "FeatureGroupName", "fg"),
        ("DeleteTrainingJob", "TrainingJobName", "full"),
        ("DeleteProcessingJob", "ProcessingJobName", "full"),
        ("DeleteModelPackage", "ModelPackageName", package_arn),
    ):
        call(delete, **{key: name})
    call("DeleteModelPackage", ModelPackageName=package_arn.replace("/1", "/2"))
    call.advance(3600)
    call("DeleteModelPackageGroup", ModelPackageGroupName="churn")


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return run_scenario()


def test_the_scenario_drives_every_emulated_operation(scenario: Scenario) -> None:
    driven = {(service, operation) for service, operation, _ in scenario.answers}
    emulated = {(service, operation) for service, operations in SERVICE_OPERATIONS.items() for operation in operations}
    assert emulated - driven == set()


def test_every_output_member_is_answered_or_allowed(scenario: Scenario) -> None:
    expected: set[str] = set()
    answered: set[str] = set()
    for service, operations in SERVICE_OPERATIONS.items():
        for operation in operations:
            shape = output_shape(operation, service)
            if shape is not None:
                expected |= member_paths(shape, operation, service)
    for service, operation, answer in scenario.answers:
        shape = output_shape(operation, service)
        if shape is not None:
            answered |= answered_paths(answer, shape, operation)
    missing = sorted(path for path in expected - answered if allowed(path) is None)
    assert missing == [], "answer these members, or allow them with a reason"
    now_answered = sorted(path for path in answered if allowed(path) is not None)
    assert now_answered == [], "answered now: take them off ALLOWED"
    used = {allowed(path) for path in expected}
    stale = sorted(pattern for patterns in ALLOWED.values() for pattern in patterns if pattern not in used)
    assert stale == [], "no such member (renamed in botocore?)"


def test_every_answer_fits_its_output_shape(scenario: Scenario) -> None:
    errors = [
        error
        for service, operation, answer in scenario.answers
        for error in shape_errors(
            answer,
            output_shape(operation, service) or StructureShape("Empty", {"type": "structure", "members": {}}),
            operation,
        )
    ]
    assert errors == []


def test_timestamps_are_answered_to_the_millisecond(scenario: Scenario) -> None:
    def times(value: Any, shape: Shape | None) -> list[float]:
        if isinstance(shape, StructureShape) and isinstance(value, dict):
            members = cast(dict[str, Shape], shape.members)
            return [t for key, item in value.items() for t in times(item, members.get(key))]
        if isinstance(shape, ListShape) and isinstance(value, list):
            return [t for item in value for t in times(item, element(shape))]
        if isinstance(shape, MapShape) and isinstance(value, dict):
            return [t for item in value.values() for t in times(item, map_value(shape))]
        return [value] if shape is not None and shape.type_name == "timestamp" else []

    stamps = [
        t for service, operation, answer in scenario.answers for t in times(answer, output_shape(operation, service))
    ]
    assert len(stamps) > 50
    assert all(round(t, 3) == t for t in stamps)
