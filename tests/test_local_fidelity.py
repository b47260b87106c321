"""Every answer of our SageMaker layer fits botocore's output shape for its operation.

botocore silently drops keys it does not know when it parses a response, so a misspelt or
misplaced field would never show in the HTTP tests. This walks the raw answers instead.
"""

from __future__ import annotations

from typing import Any, cast

import pytest
from botocore.model import ListShape, MapShape, StructureShape

from sagestack.local.control import ControlState
from sagestack.local.sagemaker import SageMakerLayer
from sagestack.local.sagemaker.core import service_model
from tests.sagemaker_requests import endpoint_config, feature_group, model, model_package, training_job

ACCOUNT, REGION = "123456789012", "us-west-2"


def shape_errors(value: Any, shape: Any, path: str) -> list[str]:
    """Where `value` strays from botocore `shape` (typed Any: botocore types its members as cached properties)."""
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            return [f"{path}: expected a structure, got {value!r}"]
        members = cast(dict[str, Any], shape.members)
        errors = [f"{path}.{key}: not a member of {shape.name}" for key in value if key not in members]
        for key, item in value.items():
            if key in members:
                errors += shape_errors(item, members[key], f"{path}.{key}")
        return errors
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            return [f"{path}: expected a list"]
        return [e for i, item in enumerate(value) for e in shape_errors(item, shape.member, f"{path}[{i}]")]
    if isinstance(shape, MapShape):
        if not isinstance(value, dict):
            return [f"{path}: expected a map"]
        return [e for key, item in value.items() for e in shape_errors(item, shape.value, f"{path}[{key}]")]
    checks = {
        "string": lambda v: isinstance(v, str) and (not getattr(shape, "enum", None) or v in shape.enum),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "long": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, int | float),
        "double": lambda v: isinstance(v, int | float),
        "timestamp": lambda v: isinstance(v, int | float),
        "boolean": lambda v: isinstance(v, bool),
    }
    check = checks.get(shape.type_name)
    return [] if check is None or check(value) else [f"{path}: {value!r} is not a valid {shape.name}"]


@pytest.fixture
def layer() -> tuple[SageMakerLayer, ControlState]:
    control = ControlState()
    control.clock.freeze(at=1_750_000_000.0)
    return SageMakerLayer(control), control


def test_every_answer_fits_its_output_shape(layer: tuple[SageMakerLayer, ControlState]) -> None:
    sm, control = layer
    answers: list[tuple[str, dict[str, Any]]] = []

    def call(operation: str, **body: Any) -> dict[str, Any]:
        answer = sm.handle(operation, body, ACCOUNT, REGION)
        answers.append((operation, answer))
        return answer

    def observe() -> None:
        call("DescribeTrainingJob", TrainingJobName="job")
        call("DescribeTrainingJob", TrainingJobName="stopped")
        call("ListTrainingJobs")
        call("DescribeEndpoint", EndpointName="ep")
        call("ListEndpoints")
        call("DescribeFeatureGroup", FeatureGroupName="fg")
        call("ListFeatureGroups")
        call("DescribeModelPackage", ModelPackageName=arn)
        call("ListModelPackages", ModelPackageGroupName="churn")
        call("ListModelPackageGroups")
        call("DescribeModelPackageGroup", ModelPackageGroupName="churn")

    call("CreateTrainingJob", **training_job("job", Tags=[{"Key": "a", "Value": "b"}]))
    call("CreateTrainingJob", **training_job("stopped"))
    call("StopTrainingJob", TrainingJobName="stopped")
    call("CreateModel", **model())
    call("DescribeModel", ModelName="model-1")
    call("CreateEndpointConfig", **endpoint_config("c1"))
    call("CreateEndpointConfig", **endpoint_config("c2", count=2))
    call("DescribeEndpointConfig", EndpointConfigName="c1")
    call("CreateEndpoint", EndpointName="ep", EndpointConfigName="c1")
    call("CreateFeatureGroup", **feature_group("fg", online=True))
    call("CreateModelPackageGroup", ModelPackageGroupName="churn", Tags=[{"Key": "a", "Value": "b"}])
    arn = call("CreateModelPackage", **model_package())["ModelPackageArn"]
    observe()
    control.clock.advance(3600)
    call("UpdateEndpoint", EndpointName="ep", EndpointConfigName="c2")
    call("UpdateFeatureGroup", FeatureGroupName="fg", FeatureAdditions=[{"FeatureName": "x", "FeatureType": "String"}])
    call("UpdateModelPackage", ModelPackageArn=arn, ModelApprovalStatus="Approved")
    observe()
    control.clock.advance(3600)
    call(
        "UpdateEndpointWeightsAndCapacities",
        EndpointName="ep",
        DesiredWeightsAndCapacities=[{"VariantName": "primary", "DesiredWeight": 2.0}],
    )
    observe()
    call("ListTags", ResourceArn=answers[0][1]["TrainingJobArn"])

    model_shapes = service_model()
    errors = [
        error
        for operation, answer in answers
        for error in shape_errors(
            answer,
            model_shapes.operation_model(operation).output_shape
            or StructureShape("Empty", {"type": "structure", "members": {}}),
            operation,
        )
    ]
    assert errors == []
    assert len(answers) > 40


def test_the_shape_check_catches_a_stray_field_and_a_bad_enum() -> None:
    shape = service_model().operation_model("DescribeTrainingJob").output_shape
    assert shape is not None
    errors = shape_errors({"TrainingJobStatus": "Running", "Bogus": 1}, shape, "DescribeTrainingJob")
    assert errors == [
        "DescribeTrainingJob.Bogus: not a member of DescribeTrainingJobResponse",
        "DescribeTrainingJob.TrainingJobStatus: 'Running' is not a valid TrainingJobStatus",
    ]
