"""Real-world fidelity: every spec in tests/corpus reaches AWS as written, through our components.

One test id per corpus file and per test, so a file dropped into the corpus is tested with no
code change.

`test_spec_reaches_aws_as_written`: each spec enters as a user would write it, our component's
arguments plus `extra=` (`tests/corpus_programs.py`). The component runs under Pulumi's mocks.
- For our dynamic resources (training job, feature group, model package, endpoint), the inputs it
  registers go through Pulumi's provider host, Check then Create, against the local AWS, which
  records the request it received; that request must equal the spec key for key and value for
  value (an int that arrives as a float is a difference).
- For pulumi-aws resources (model, endpoint config, model package group), the inputs our
  component gives pulumi-aws are read back as the API request by pulumi-aws's own schema
  (`tests/corpus_pulumi.py`) and compared the same way.
The only allowances: the members a provider sets itself (`_provider_set`: the content-addressed
TrainingJobName, the ClientToken; pulumi-aws's auto-names), tag order (`_comparable`), and the API
defaults a component writes out or leaves out (`API_DEFAULTS`). A spec that a component cannot say
at all is skipped, naming the members and why.

`test_spec_passes_our_validation`: each spec passes botocore's constraints and our providers' rules
(the checks that refuse the bad-input corpus), also where no component can send it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime import rpc

from components.providers.endpoint import EndpointProvider
from components.providers.feature_group import FeatureGroupProvider
from components.providers.model_package import ModelPackageProvider
from components.providers.training_job import TrainingJobProvider
from sagestack.testing.local_aws import DEFAULT_REGION, LocalAws
from sagestack.testing.mocks import PlatformMocks, Registered, run_program
from sagestack.testing.provider_host import PROVIDER_KEY, ProviderHost
from tests.api_forms import build_request, differences, parse_request
from tests.corpus_programs import TRANSLATIONS, Entry, Inexpressible
from tests.corpus_pulumi import NATIVE, PULUMI_AWS_VERSION, api_request

CORPUS = Path(__file__).with_name("corpus")
SPECS = sorted(CORPUS.glob("*.json"))
NOT_SENT = {
    "CreateInferenceComponent": "inference components are not built yet (DESIGN.md: InferenceComponent, later)",
    "CreateHyperParameterTuningJob": "no component sends hyperparameter tuning jobs",
}

# --- allowances ---------------------------------------------------------------------------------

API_DEFAULTS: dict[str, dict[tuple[str, ...], Any]] = {
    # Networking sends both flags whenever it is given (e.g. for a VPC alone).
    "CreateTrainingJob": {("EnableNetworkIsolation",): False, ("EnableInterContainerTrafficEncryption",): False},
    "CreateModel": {("EnableNetworkIsolation",): False},
    # OnlineStore always sends its StorageType; OfflineStore leaves out a False DisableGlueTableCreation.
    "CreateFeatureGroup": {
        ("OnlineStoreConfig", "StorageType"): "Standard",
        ("OfflineStoreConfig", "DisableGlueTableCreation"): False,
    },
    # Our variant models always send their weight.
    "CreateEndpointConfig": {("ProductionVariants", "*", "InitialVariantWeight"): 1.0},
}
"""Members whose value is the API's own default, which a component writes out where the spec
leaves them out, or the reverse: the same request to SageMaker. Path parts; `*` is every item."""


def _drop_defaults(expected: Any, sent: Any, path: tuple[str, ...], default: Any) -> None:
    head, tail = path[0], path[1:]
    if head == "*":
        if isinstance(expected, list) and isinstance(sent, list):
            for pair in zip(expected, sent, strict=False):
                _drop_defaults(*pair, tail, default)
        return
    if not (isinstance(expected, dict) and isinstance(sent, dict)):
        return
    if tail:
        _drop_defaults(expected.get(head), sent.get(head), tail, default)
        return
    for one, other in ((expected, sent), (sent, expected)):
        value = one.get(head)
        if head not in other and type(value) is type(default) and value == default:
            del one[head]


def _comparable(operation: str, expected: dict[str, Any], sent: dict[str, Any]) -> None:
    """Apply the tag and API-default allowances to both requests, in place."""
    for request in (expected, sent):
        tags = request.pop("Tags", None)
        if tags:
            request["Tags"] = sorted(tags, key=lambda tag: tag["Key"])
    for path, default in API_DEFAULTS.get(operation, {}).items():
        _drop_defaults(expected, sent, path, default)


def _provider_set(operation: str, expected: dict[str, Any], sent: dict[str, Any], checked: dict[str, Any]) -> None:
    """The members our providers set themselves, in place, after checking that each holds exactly
    what the provider computed at Check: the training job's content-addressed TrainingJobName, and
    the model package's ClientToken (for idempotency). Tags: see `_comparable`; pulumi-aws's
    auto-names: see `test_spec_reaches_aws_as_written`."""
    if operation == "CreateTrainingJob":
        assert sent["TrainingJobName"] == checked["training_job_name"]
        sent["TrainingJobName"] = expected["TrainingJobName"]
    if operation == "CreateModelPackage":
        assert sent.pop("ClientToken") == checked["client_token"]


# --- the path through our components ------------------------------------------------------------


def _spec(path: Path) -> tuple[str, dict[str, Any]]:
    document = json.loads(path.read_text())
    return document["operation"], document["request"]


def _mocks(outputs: dict[str, dict[str, Any]]) -> PlatformMocks:
    return PlatformMocks(lambda args: dict(outputs.get(args.typ, {})))


def _registered(entry: Entry) -> Registered:
    """Run the user's program under mocks: the one resource whose inputs carry the request."""
    run = run_program(entry.program, mocks=_mocks(entry.mock_outputs))
    [resource] = run.of_type(entry.resource_type)
    return resource


def _as_the_engine_sends(value: Any) -> Any:
    """Registered inputs as the engine sends them to a provider host that takes no secrets: the
    serialized provider (`__provider`, a secret) unwrapped, everything else as registered."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:  # pyright: ignore[reportPrivateUsage]
            return _as_the_engine_sends(value["value"])
        return {key: _as_the_engine_sends(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_the_engine_sends(item) for item in value]
    return value


@pytest.fixture(scope="module")
def corpus_host(local_aws_server: LocalAws) -> Iterator[ProviderHost]:
    """One provider host for the module: it keeps no state between resources, and starting one
    per spec would cost more than the spec's whole test."""
    with ProviderHost(env=local_aws_server.env()) as host:
        host.configure({"aws:region": DEFAULT_REGION})
        yield host


@pytest.fixture
def quick_aws(aws: LocalAws) -> LocalAws:
    """The local AWS with every status reached at once: this test is about requests, not waits."""
    aws.set_durations(
        {
            "training_job": {"starting": 0, "downloading": 0, "training": 0, "uploading": 0},
            "endpoint": {"creating": 0},
            "feature_group": {"creating": 0},
            "model_package": {"pending": 0, "in_progress": 0},
        }
    )
    return aws


def _sent_by_provider(
    operation: str, entry: Entry, resource: Registered, aws: LocalAws, host: ProviderHost
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check and Create through the provider host; the request the local AWS received, and the
    checked inputs."""
    if entry.prepare is not None:
        entry.prepare(aws.client("sagemaker"))
    inputs = _as_the_engine_sends(resource.inputs)
    assert PROVIDER_KEY in inputs
    checked, failures = host.check(resource.urn, {}, inputs)
    assert failures == [], "our validation refuses a real-world spec"
    aws.clear_requests()
    host.create(resource.urn, checked)
    [received] = aws.requests(f"sagemaker:{operation}")
    return received["body"], checked


@pytest.mark.parametrize("path", SPECS, ids=lambda path: path.stem)
def test_spec_reaches_aws_as_written(path: Path, quick_aws: LocalAws, corpus_host: ProviderHost) -> None:
    operation, request = _spec(path)
    if operation in NOT_SENT:
        pytest.skip(f"{operation}: {NOT_SENT[operation]}")
    try:
        entry = TRANSLATIONS[operation](copy.deepcopy(request))
    except Inexpressible as why:
        pytest.skip(f"{operation}: {why}")
    resource = _registered(entry)
    expected = copy.deepcopy(request)
    if operation in NATIVE:
        sent, problems = api_request(NATIVE[operation], resource.inputs)
        assert problems == [], "pulumi-aws would refuse these inputs"
        name_member = NATIVE[operation].name_member
        if name_member is not None:
            assert name_member not in sent
            del expected[name_member]
    else:
        sent, checked = _sent_by_provider(operation, entry, resource, quick_aws, corpus_host)
        _provider_set(operation, expected, sent, checked)
    _assert_same(operation, expected, sent)


def _assert_same(operation: str, expected: dict[str, Any], sent: dict[str, Any]) -> None:
    _comparable(operation, expected, sent)
    found = differences(expected, sent)
    assert not found, f"{operation}: what AWS would receive differs from the spec:\n  " + "\n  ".join(found)


MODELS_MODELENDPOINT_CAN_SAY = [
    {
        "ModelName": "churn",
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/SageMakerExecutionRole",
        "PrimaryContainer": {
            "Image": "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1",
            "ModelDataUrl": "s3://corpus-data-bucket/churn/model.tar.gz",
            "Environment": {"SAGEMAKER_PROGRAM": "inference.py"},
        },
        "VpcConfig": {"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-0a1b2c3d4e5f67890"]},
        "Tags": [{"Key": "team", "Value": "ml"}],
    },
    {
        "ModelName": "from-package",
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/SageMakerExecutionRole",
        "PrimaryContainer": {"ModelPackageName": "arn:aws:sagemaker:us-west-2:123456789012:model-package/g/3"},
        "EnableNetworkIsolation": True,
    },
]
"""Models ModelEndpoint says with its arguments alone (every corpus model also needs `model_extra`:
a hostname, a mode or several containers), so that path is compared too: no `model_extra`."""


@pytest.mark.parametrize("request_", MODELS_MODELENDPOINT_CAN_SAY, ids=["training-job-source", "package-source"])
def test_a_model_modelendpoint_can_say_reaches_pulumi_aws_as_written(request_: dict[str, Any]) -> None:
    entry = TRANSLATIONS["CreateModel"](copy.deepcopy(request_))
    sent, problems = api_request(NATIVE["CreateModel"], _registered(entry).inputs)
    assert problems == []
    expected = {key: value for key, value in request_.items() if key != "ModelName"}
    _assert_same("CreateModel", expected, sent)


def test_pulumi_aws_inputs_it_does_not_declare_are_problems() -> None:
    _, problems = api_request(
        NATIVE["CreateEndpointConfig"],
        {"productionVariants": [{"variantName": "v", "instance_pools": [{"instance_type": "ml.c5.large"}]}]},
    )
    assert problems == [
        f"productionVariants[0].instance_pools: pulumi-aws {PULUMI_AWS_VERSION} has no such input in "
        "EndpointConfigurationProductionVariantArgs"
    ]


def test_pulumi_aws_numbers_take_its_declared_types() -> None:
    sent, problems = api_request(
        NATIVE["CreateEndpointConfig"],
        {"productionVariants": [{"variantName": "v", "initialInstanceCount": 2.0, "initialVariantWeight": 1.0}]},
    )
    assert problems == []
    variant = sent["ProductionVariants"][0]
    assert (type(variant["InitialInstanceCount"]), type(variant["InitialVariantWeight"])) == (int, float)


# --- our validation, for every spec --------------------------------------------------------------


def _provider_failures(provider: Any, inputs: dict[str, Any]) -> list[tuple[str, str]]:
    result = provider.check({}, inputs)
    return [(failure.property, failure.reason) for failure in result.failures]


def _training(request: dict[str, Any]) -> list[tuple[str, str]]:
    tags = {tag["Key"]: tag["Value"] for tag in request.get("Tags", [])}
    body = {k: v for k, v in request.items() if k not in ("TrainingJobName", "Tags")}
    return _provider_failures(TrainingJobProvider(), {"name_prefix": "corpus", "request": body, "tags": tags})


def _package(request: dict[str, Any]) -> list[tuple[str, str]]:
    members = dict(ModelPackageProvider.inputs_as_members)
    inputs: dict[str, Any] = {field: request[member] for field, member in members.items() if member in request}
    body = {k: v for k, v in request.items() if k not in members.values() and k not in ("Tags", "ClientToken")}
    return _provider_failures(ModelPackageProvider(), {"logical_name": "corpus", "request": body, **inputs})


def _feature_group(request: dict[str, Any]) -> list[tuple[str, str]]:
    members = FeatureGroupProvider.inputs_as_members
    inputs: dict[str, Any] = {field: request[member] for field, member in members.items() if member in request}
    tags = {tag["Key"]: tag["Value"] for tag in request.get("Tags", [])}
    return _provider_failures(FeatureGroupProvider(), {**inputs, "tags": tags})


def _endpoint(request: dict[str, Any]) -> list[tuple[str, str]]:
    inputs = {
        "endpoint_name": request["EndpointName"],
        "endpoint_config_name": request["EndpointConfigName"],
        "deployment_config": request.get("DeploymentConfig"),
        "tags": {tag["Key"]: tag["Value"] for tag in request.get("Tags", [])},
    }
    return _provider_failures(EndpointProvider(), inputs)


PROVIDER_RULES: dict[str, Callable[[dict[str, Any]], list[tuple[str, str]]]] = {
    "CreateTrainingJob": _training,
    "CreateModelPackage": _package,
    "CreateFeatureGroup": _feature_group,
    "CreateEndpoint": _endpoint,
}


@pytest.mark.parametrize("path", SPECS, ids=lambda path: path.stem)
def test_spec_passes_our_validation(path: Path) -> None:
    operation, request = _spec(path)
    if operation in NOT_SENT:
        pytest.skip(f"{operation}: {NOT_SENT[operation]}")
    _, violations = build_request(operation, parse_request(operation, copy.deepcopy(request)))
    assert violations == []
    if operation in PROVIDER_RULES:
        assert PROVIDER_RULES[operation](copy.deepcopy(request)) == []


def test_the_seven_operations_cover_51_specs() -> None:
    sent = [path for path in SPECS if _spec(path)[0] not in NOT_SENT]
    assert len(sent) == 51


INEXPRESSIBLE = {"CreateEndpointConfig--ack-instance-pools": "InstancePools"}
"""The sent specs no program can say, and what of each: pulumi-aws has no input for it."""


def test_every_sent_spec_but_the_inexpressible_ones_translates() -> None:
    """50 of the 51 sent specs enter through a component: a spec that turns inexpressible (an
    argument or `extra` path removed) fails here, not only as one more skip."""
    refused: dict[str, str] = {}
    for path in SPECS:
        operation, request = _spec(path)
        if operation in NOT_SENT:
            continue
        try:
            TRANSLATIONS[operation](copy.deepcopy(request))
        except Inexpressible as why:
            refused[path.stem] = str(why)
    assert sorted(refused) == sorted(INEXPRESSIBLE)
    for stem, member in INEXPRESSIBLE.items():
        assert member in refused[stem] and f"pulumi-aws {PULUMI_AWS_VERSION} has no input" in refused[stem]


# --- the comparison itself -----------------------------------------------------------------------


def test_the_comparison_reports_exactly_a_dropped_nested_field() -> None:
    request = {
        "TrainingJobName": "job",
        "RoleArn": "arn:aws:iam::123456789012:role/SageMakerExecutionRole",
        "AlgorithmSpecification": {
            "TrainingImage": "123456789012.dkr.ecr.us-west-2.amazonaws.com/x:1",
            "TrainingInputMode": "File",
        },
        "OutputDataConfig": {"S3OutputPath": "s3://b/out"},
        "ResourceConfig": {
            "InstanceType": "ml.m5.xlarge",
            "InstanceCount": 1,
            "VolumeSizeInGB": 30,
            "VolumeKmsKeyId": "alias/training",
        },
    }
    parsed = parse_request("CreateTrainingJob", request)
    assert parsed["resource_config"]["volume_kms_key_id"] == "alias/training"
    del parsed["resource_config"]["volume_kms_key_id"]
    rebuilt, violations = build_request("CreateTrainingJob", parsed)
    assert violations == []
    assert differences(request, rebuilt) == ["ResourceConfig.VolumeKmsKeyId: missing"]


def test_an_int_turned_float_is_a_difference() -> None:
    assert differences({"InstanceCount": 1}, {"InstanceCount": 1.0}) == ["InstanceCount: 1 != 1.0"]


def test_an_api_default_is_allowed_only_where_one_side_leaves_it_out() -> None:
    expected = {"ProductionVariants": [{"VariantName": "a"}, {"VariantName": "b", "InitialVariantWeight": 0.5}]}
    sent = {"ProductionVariants": [{"VariantName": "a", "InitialVariantWeight": 1.0}, {"VariantName": "b"}]}
    _comparable("CreateEndpointConfig", expected, sent)
    assert differences(expected, sent) == ["ProductionVariants[1].InitialVariantWeight: missing"]


def test_unknown_snake_case_fields_are_named() -> None:
    _, violations = build_request(
        "CreateEndpointConfig",
        {"endpoint_config_name": "c", "production_variants": [{"variant_name": "v", "model_nmae": "m"}]},
    )
    assert [v.path for v in violations] == ["production_variants[0].model_nmae"]


def test_the_corpus_is_in_the_repository() -> None:
    """A clone anywhere runs every corpus test: nothing is skipped for want of files."""
    assert len(SPECS) == 57
