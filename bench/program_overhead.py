"""Program overhead: registering a platform of components vs. the same resources registered bare.

A platform of N components (N = 10, 100, 500) is built from units of five: a FeatureGroup
(offline store, so it also creates its least-privilege role), a TrainingJob, a ModelRegistry, a
ModelPackage of that job in that registry, and a ModelEndpoint serving that package. Each is
registered under Pulumi's own mocks (`sagestack.testing.mocks.run_program`) and timed three ways:

- components: our components, as a user writes them;
- bare children (the floor the target is measured against): the very same child resources -
  same types, names, count and inputs - registered directly with pulumi-aws and with bare
  `pulumi.dynamic.Resource`s carrying the same providers, wired through the same Outputs;
- bare children + empty parents: the same, each component's children under a bare
  ComponentResource with our type token that registers the same outputs: what being a
  component costs any component library.

Before timing, the benchmark checks from the mocks' records that every variant registered the
same custom resources (type, name and inputs) and the parents variant the same components.

Reported: each variant's fastest wall time (runs interleaved, garbage collected in between), the
ratio components / bare children (target: <= 1.3x; the CPU-time ratio alongside), and how it
splits into being components (empty parents / bare) and the rest (components / empty parents).

    python -m bench.program_overhead
"""

from __future__ import annotations

import json
import pickle
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, cast

import pulumi
import pulumi.dynamic
import pulumi_aws as aws

from bench.report import interleaved_minimums, markdown_table, verdict
from components import (
    Compute,
    FeatureGroup,
    InputData,
    ModelEndpoint,
    ModelPackage,
    ModelRegistry,
    OutputDataConfig,
    StoppingCondition,
    TrainingJob,
)
from components.core.resource import SageMakerResource
from components.feature_store import Feature, OfflineStore, OnlineStore, Ttl, offline_store_policy
from components.providers.endpoint import EndpointProvider, EndpointResource
from components.providers.feature_group import FeatureGroupProvider, FeatureGroupResource
from components.providers.model_package import ModelPackageProvider, ModelPackageResource
from components.providers.training_job import TrainingJobProvider, TrainingJobResource
from components.roles import SAGEMAKER_TRUST
from components.serving import InstanceVariant
from sagestack.testing.mocks import ProgramRun, run_program

COMPONENT_COUNTS = (10, 100, 500)
COMPONENTS_PER_UNIT = 5
REPETITIONS = {10: 25, 100: 10, 500: 3}
TARGET_RATIO = 1.3
STACK_TYPE = "pulumi:pulumi:Stack"

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecutionRole"
IMAGE = "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1"
OFFLINE_STORE_URI = "s3://data/feature-store"
TAGS = {"environment": "bench"}
HYPERPARAMETERS = {"objective": "binary:logistic", "max_depth": "5", "num_round": "100"}
FEATURES: list[tuple[str, Literal["Integral", "Fractional", "String"]]] = [
    ("customer_id", "String"),
    ("event_time", "Fractional"),
    ("tenure_months", "Integral"),
]

BATCH_SETITEMS = "_batch_setitems"
_PRISTINE_BATCH_SETITEMS = vars(pickle._Pickler)[BATCH_SETITEMS]
"""`pulumi.dynamic.serialize_provider` wraps this pickler method again on every call and never
unwraps it, so each dynamic resource a process registers makes every later one slower (and
after ~480 of them, serialization fails with RecursionError). A real `pulumi up` starts a fresh
process; every timed run here starts from the pristine method to match it."""


def as_fresh_process() -> None:
    setattr(pickle._Pickler, BATCH_SETITEMS, _PRISTINE_BATCH_SETITEMS)


# --- the platform as our components -------------------------------------------------------------


def component_unit(index: int) -> None:
    FeatureGroup(
        f"customers-{index}",
        record_identifier="customer_id",
        event_time="event_time",
        features=[Feature(name=name, type=kind) for name, kind in FEATURES],
        online_store=OnlineStore(ttl=Ttl(unit="Days", value=30)),
        offline_store=OfflineStore(s3_uri=OFFLINE_STORE_URI),
        tags=TAGS,
    )
    job = TrainingJob(
        f"churn-{index}",
        image_uri=IMAGE,
        role_arn=ROLE,
        compute=Compute(instance_type="ml.m5.xlarge"),
        input_data=[
            InputData(channel_name="train", data_source="s3://data/churn/train"),
            InputData(channel_name="validation", data_source="s3://data/churn/validation"),
        ],
        output_data_config=OutputDataConfig(s3_output_path="s3://data/churn/output"),
        stopping_condition=StoppingCondition(max_runtime_in_seconds=3600),
        hyperparameters=HYPERPARAMETERS,
        tags=TAGS,
    )
    registry = ModelRegistry(f"registry-{index}", tags=TAGS)
    package = ModelPackage(f"model-{index}", registry=registry, model_source=job, approval_status="Approved")
    ModelEndpoint(
        f"endpoint-{index}",
        model_source=package,
        role_arn=ROLE,
        variants=[InstanceVariant(instance_type="ml.m5.large")],
        tags=TAGS,
    )


# --- the same child resources, registered bare --------------------------------------------------


class BareTrainingJob(pulumi.dynamic.Resource, module="sagemaker", name="TrainingJob"):
    model_artifacts: pulumi.Output[str | None]


class BareModelPackage(pulumi.dynamic.Resource, module="sagemaker", name="ModelPackage"):
    arn: pulumi.Output[str]


class BareFeatureGroup(pulumi.dynamic.Resource, module="sagemaker", name="FeatureGroup"):
    pass


class BareEndpoint(pulumi.dynamic.Resource, module="sagemaker", name="Endpoint"):
    pass


def unset(resource: type[SageMakerResource]) -> dict[str, None]:
    """Output-only properties, declared as None inputs as the dynamic resources declare them."""
    inputs = cast(Any, resource.provider_class).inputs_model.model_fields
    return dict.fromkeys(name for name in resource.output_names if name not in inputs)


class Parents:
    """Empty ComponentResources with our type tokens, registering the outputs ours register,
    or nothing at all (children at the top level) when `enabled` is False."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def under(self, type_token: str, name: str) -> tuple[pulumi.ComponentResource | None, pulumi.ResourceOptions]:
        if not self.enabled:
            return None, pulumi.ResourceOptions()
        parent = pulumi.ComponentResource(type_token, name, None)
        return parent, pulumi.ResourceOptions(parent=parent)

    @staticmethod
    def register_outputs(parent: pulumi.ComponentResource | None, outputs: dict[str, Any]) -> None:
        if parent is not None:
            parent.register_outputs(outputs)


def outputs_of(resource: pulumi.Resource, *names: str) -> dict[str, Any]:
    return {name: getattr(resource, name) for name in names}


def bare_unit(index: int, with_parents: bool) -> None:
    parents = Parents(with_parents)
    group_parent, in_group = parents.under("sagemaker:featurestore:FeatureGroup", f"customers-{index}")
    identity, region = aws.get_caller_identity_output(), aws.get_region_output()
    policy = pulumi.Output.all(identity.account_id, region.region).apply(
        lambda values: json.dumps(offline_store_policy(OFFLINE_STORE_URI, values[0], values[1], None, True))
    )
    role = aws.iam.Role(f"customers-{index}-role", assume_role_policy=json.dumps(SAGEMAKER_TRUST), opts=in_group)
    aws.iam.RolePolicy(
        f"customers-{index}-role-policy", role=role.id, policy=policy, opts=pulumi.ResourceOptions(parent=role)
    )
    feature_group = BareFeatureGroup(
        FeatureGroupProvider(),
        f"customers-{index}-group",
        {
            "feature_group_name": f"customers-{index}",
            "record_identifier": "customer_id",
            "event_time": "event_time",
            "features": [{"FeatureName": name, "FeatureType": kind} for name, kind in FEATURES],
            "online_store": {
                "EnableOnlineStore": True,
                "StorageType": "Standard",
                "TtlDuration": {"Unit": "Days", "Value": 30},
            },
            "offline_store": {"S3StorageConfig": {"S3Uri": OFFLINE_STORE_URI}},
            "throughput": None,
            "role_arn": role.arn,
            "description": None,
            "allow_replace": False,
            "request": {},
            "tags": TAGS,
            **unset(FeatureGroupResource),
        },
        in_group,
    )
    parents.register_outputs(group_parent, outputs_of(feature_group, "arn", "feature_group_name", "glue_table"))

    def channel(name: str) -> dict[str, Any]:
        source = {"S3DataSource": {"S3Uri": f"s3://data/churn/{name}", "S3DataType": "S3Prefix"}}
        return {"ChannelName": name, "DataSource": source}

    job_parent, in_job = parents.under("sagemaker:training:TrainingJob", f"churn-{index}")
    job = BareTrainingJob(
        TrainingJobProvider(),
        f"churn-{index}-job",
        {
            "name_prefix": f"churn-{index}",
            "request": {
                "AlgorithmSpecification": {"TrainingInputMode": "File", "TrainingImage": IMAGE},
                "RoleArn": ROLE,
                "OutputDataConfig": {"S3OutputPath": "s3://data/churn/output"},
                "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
                "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
                "InputDataConfig": [channel("train"), channel("validation")],
                "HyperParameters": HYPERPARAMETERS,
            },
            "tags": TAGS,
            "retrain_token": "",
            "wait_for_completion": True,
            "wait_timeout_seconds": None,
            "training_job_name": None,
            **unset(TrainingJobResource),
        },
        in_job,
    )
    parents.register_outputs(job_parent, outputs_of(job, "arn", "training_job_name", "status", "model_artifacts"))

    registry_parent, in_registry = parents.under("sagemaker:registry:ModelRegistry", f"registry-{index}")
    group = aws.sagemaker.ModelPackageGroup(
        f"registry-{index}-group", model_package_group_name=f"registry-{index}", tags=TAGS, opts=in_registry
    )
    parents.register_outputs(registry_parent, {"group_name": group.model_package_group_name, "arn": group.arn})

    package_parent, in_package = parents.under("sagemaker:registry:ModelPackage", f"model-{index}")
    package = BareModelPackage(
        ModelPackageProvider(),
        f"model-{index}-version",
        {
            "logical_name": f"model-{index}",
            "request": {
                "ModelPackageGroupName": group.model_package_group_name,
                "InferenceSpecification": {
                    "Containers": [{"Image": IMAGE, "ModelDataUrl": job.model_artifacts}],
                    "SupportedContentTypes": ["text/csv"],
                    "SupportedResponseMIMETypes": ["text/csv"],
                },
            },
            "approval_status": "Approved",
            "approval_description": None,
            "customer_metadata": {},
            "tags": {},
            "wait_timeout_seconds": 3600,
            "client_token": None,
            **unset(ModelPackageResource),
        },
        in_package,
    )
    parents.register_outputs(package_parent, outputs_of(package, "arn", "version", "status", "approval_status"))

    endpoint_parent, in_endpoint = parents.under("sagemaker:serving:ModelEndpoint", f"endpoint-{index}")
    model = aws.sagemaker.Model(
        f"endpoint-{index}-model",
        execution_role_arn=ROLE,
        primary_container={"model_package_name": package.arn},
        tags=TAGS,
        opts=in_endpoint,
    )
    config = aws.sagemaker.EndpointConfiguration(
        f"endpoint-{index}-config",
        production_variants=[
            {
                "variant_name": "primary",
                "model_name": model.name,
                "instance_type": "ml.m5.large",
                "initial_instance_count": 1,
                "initial_variant_weight": 1.0,
            }
        ],
        tags=TAGS,
        opts=in_endpoint,
    )
    endpoint = BareEndpoint(
        EndpointProvider(),
        f"endpoint-{index}-endpoint",
        {
            "endpoint_name": f"endpoint-{index}",
            "endpoint_config_name": config.name,
            "deployment_config": None,
            "retry_failed_config": False,
            "tags": TAGS,
            **unset(EndpointResource),
        },
        in_endpoint,
    )
    parents.register_outputs(
        endpoint_parent,
        {**outputs_of(endpoint, "endpoint_name", "endpoint_arn", "endpoint_config_name"), "model_name": model.name},
    )


# --- measuring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    label: str
    unit: Callable[[int], None]


COMPONENTS = Variant("components", component_unit)
BARE = Variant("bare children", lambda index: bare_unit(index, with_parents=False))
BARE_WITH_PARENTS = Variant("bare children + empty parents", lambda index: bare_unit(index, with_parents=True))
VARIANTS = (COMPONENTS, BARE, BARE_WITH_PARENTS)


def register(variant: Variant, components: int) -> ProgramRun:
    as_fresh_process()

    def program() -> None:
        for index in range(components // COMPONENTS_PER_UNIT):
            variant.unit(index)

    return run_program(program)


def registered_custom_resources(run: ProgramRun) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r.type, r.name): r.inputs for r in run.resources if r.custom}


def component_types(run: ProgramRun) -> Counter[str]:
    # The mocks register the stack itself only in a process's first run.
    return Counter(r.type for r in run.resources if not r.custom and r.type != STACK_TYPE)


def check_same_resources() -> Counter[str]:
    """Every variant registers the same custom resources (type, name, inputs) and the parents
    variant the same components; returns the count per type registered by our unit."""
    ours = register(COMPONENTS, COMPONENTS_PER_UNIT)
    expected = registered_custom_resources(ours)
    for variant in (BARE, BARE_WITH_PARENTS):
        run = register(variant, COMPONENTS_PER_UNIT)
        actual = registered_custom_resources(run)
        if actual != expected:
            differing = sorted(key for key in expected.keys() | actual.keys() if expected.get(key) != actual.get(key))
            raise AssertionError(f"{variant.label} registers different resources: {differing}")
        if variant is BARE_WITH_PARENTS and component_types(run) != component_types(ours):
            raise AssertionError(f"{variant.label} registers different components")
    return Counter(resource_type for resource_type, _ in expected)


def main() -> None:
    per_unit = check_same_resources()
    for variant in VARIANTS:  # warm-up: lazy imports, botocore's service model, pulumi-aws modules
        register(variant, COMPONENTS_PER_UNIT)
    rows: list[list[str]] = []
    worst = 0.0
    for components in COMPONENT_COUNTS:
        timings = interleaved_minimums(
            REPETITIONS[components],
            {variant.label: lambda variant=variant, n=components: register(variant, n) for variant in VARIANTS},
        )
        ours, bare, with_parents = (timings[variant.label] for variant in VARIANTS)
        ratio = ours.wall / bare.wall
        worst = max(worst, ratio)
        rows.append(
            [
                str(components),
                str(sum(per_unit.values()) * components // COMPONENTS_PER_UNIT),
                *(f"{timings[variant.label].wall:.3f} s" for variant in VARIANTS),
                f"**{ratio:.2f}x** (CPU {ours.cpu / bare.cpu:.2f}x)",
                f"{with_parents.wall / bare.wall:.2f}x",
                f"{ours.wall / with_parents.wall:.2f}x",
            ]
        )
    print(
        markdown_table(
            [
                "components",
                "child resources",
                *(f"{variant.label} (min wall)" for variant in VARIANTS),
                "components / bare children",
                "of which being components (parents / bare)",
                "of which our code (components / parents)",
            ],
            rows,
        )
    )
    mix = ", ".join(f"{count} {resource_type.split(':')[-1]}" for resource_type, count in sorted(per_unit.items()))
    print("\nOne unit = 5 components (FeatureGroup, TrainingJob, ModelRegistry, ModelPackage, ModelEndpoint).")
    print(f"Its children: {mix}.")
    runs = ", ".join(f"{REPETITIONS[n]} runs at N={n}" for n in COMPONENT_COUNTS)
    print(f"Under Pulumi mocks; fastest of {runs}, interleaved; the same custom resources and inputs checked.")
    print(
        f"Target: components / bare children <= {TARGET_RATIO}x: {verdict(worst <= TARGET_RATIO)} (worst {worst:.2f}x)."
    )


if __name__ == "__main__":
    main()
