"""The bad-input corpus: every input in tests/bad_inputs.yaml is refused, naming its field, and
nothing reaches SageMaker.

Dynamic resources are checked by their provider through Pulumi's own provider host, as the engine
checks them before it creates anything; the ModelEndpoint component is constructed under Pulumi's
mocks, where a refusal must come before any resource that would reach AWS is registered. The file
says how a case is written; this module only loads it and runs it.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi.dynamic.dynamic import serialize_provider
from pydantic import ValidationError

from components import (
    AsyncInference,
    BlueGreen,
    DataCapture,
    InstanceVariant,
    ModelEndpoint,
    ModelRegistry,
    RollingUpdate,
    ServerlessVariant,
)
from components.core.provider import SageMakerProvider
from components.providers.endpoint import EndpointProvider
from components.providers.feature_group import FeatureGroupProvider
from components.providers.model_package import ModelPackageProvider
from components.providers.training_job import TrainingJobProvider
from sagestack.testing.local_aws import LocalAws
from sagestack.testing.mocks import run_program
from sagestack.testing.provider_host import ProviderHost, urn_for
from tests.refusals import RecordingMocks
from tests.test_endpoint_provider import endpoint_inputs
from tests.test_feature_group_provider import group_inputs
from tests.test_model_endpoint_component import PACKAGE, ROLE
from tests.test_model_package_provider import package_inputs
from tests.test_training_job_provider import job_inputs

CORPUS_FILE = Path(__file__).with_name("bad_inputs.yaml")
PROVIDERS: dict[str, Callable[[], SageMakerProvider]] = {
    "TrainingJob": TrainingJobProvider,
    "ModelPackage": ModelPackageProvider,
    "FeatureGroup": FeatureGroupProvider,
    "Endpoint": EndpointProvider,
}
ENDPOINT_ARGUMENT_CLASSES: dict[str, Callable[..., Any]] = {
    cls.__name__: cls
    for cls in (InstanceVariant, ServerlessVariant, BlueGreen, RollingUpdate, DataCapture, AsyncInference)
}
OPS = ("set", "drop", "append")
CASE_KEYS = {"label", "field", *OPS}


@dataclass(frozen=True)
class ConfigObject:
    """A ModelEndpoint argument object, `!ClassName {...}` in the corpus.

    It is built only inside the program, so that a refusal by its own validation happens where a
    user's would: while the stack's program runs.
    """

    class_name: str
    arguments: dict[str, Any]

    def build(self) -> Any:
        return ENDPOINT_ARGUMENT_CLASSES[self.class_name](**built(self.arguments))


def built(value: Any) -> Any:
    """`value` with every ConfigObject in it built."""
    if isinstance(value, ConfigObject):
        return value.build()
    if isinstance(value, list):
        return [built(item) for item in value]
    if isinstance(value, dict):
        return {key: built(item) for key, item in value.items()}
    return value


def endpoint_arguments() -> dict[str, Any]:
    """ModelEndpoint's known-good arguments, in the corpus's own terms."""
    return {
        "model_source": PACKAGE,
        "role_arn": ROLE,
        "variants": [ConfigObject("InstanceVariant", {"instance_type": "ml.m5.large"})],
    }


KNOWN_GOOD: dict[str, Callable[[], dict[str, Any]]] = {
    "TrainingJob": job_inputs,
    "ModelPackage": package_inputs,
    "FeatureGroup": group_inputs,
    "Endpoint": endpoint_inputs,
    "ModelEndpoint": endpoint_arguments,
    "ModelRegistry": dict,
}


class CorpusLoader(yaml.SafeLoader):
    """Safe YAML plus the corpus's value tags (documented at the top of the file)."""


def _string_keys(mapping: dict[Hashable, Any]) -> dict[str, Any]:
    return {str(key): value for key, value in mapping.items()}


def _repeat(loader: CorpusLoader, node: yaml.SequenceNode) -> str:
    text, times = loader.construct_sequence(node, deep=True)
    return str(text) * int(times)


def _concat(loader: CorpusLoader, node: yaml.SequenceNode) -> str:
    return "".join(str(part) for part in loader.construct_sequence(node, deep=True))


def _formatted(template: Any, n: int) -> Any:
    if isinstance(template, str):
        return template.format(n=n)
    if isinstance(template, list):
        return [_formatted(item, n) for item in template]
    if isinstance(template, dict):
        return {_formatted(key, n): _formatted(item, n) for key, item in template.items()}
    return template


def _numbered(loader: CorpusLoader, node: yaml.MappingNode) -> list[Any] | dict[str, Any]:
    spec = _string_keys(loader.construct_mapping(node, deep=True))
    numbers = range(int(spec["count"]))
    if set(spec) == {"count", "item"}:
        return [_formatted(spec["item"], n) for n in numbers]
    if set(spec) == {"count", "key", "value"}:
        return {_formatted(spec["key"], n): _formatted(spec["value"], n) for n in numbers}
    raise yaml.constructor.ConstructorError(
        None, None, f"!numbered takes count with item, or count with key and value: {spec}"
    )


def _config_object(class_name: str) -> Callable[[CorpusLoader, yaml.MappingNode], ConfigObject]:
    def construct(loader: CorpusLoader, node: yaml.MappingNode) -> ConfigObject:
        return ConfigObject(class_name, _string_keys(loader.construct_mapping(node, deep=True)))

    return construct


CorpusLoader.add_constructor("!repeat", _repeat)
CorpusLoader.add_constructor("!concat", _concat)
CorpusLoader.add_constructor("!numbered", _numbered)
for _class_name in ENDPOINT_ARGUMENT_CLASSES:
    CorpusLoader.add_constructor(f"!{_class_name}", _config_object(_class_name))


@dataclass(frozen=True)
class BadInput:
    """One corpus case: changes to a resource's known-good inputs, and the field they break."""

    resource: str
    label: str
    changes: tuple[tuple[str, Any], ...]
    field: str

    @property
    def id(self) -> str:
        return f"{self.resource}-{self.label}"

    def applied_to(self, known_good: dict[str, Any]) -> dict[str, Any]:
        # Bases share module constants (FEATURES, CANARY) and corpus values are reused: copy both.
        inputs = copy.deepcopy(known_good)
        for op, argument in self.changes:
            for path in argument:
                *parents, last = path.split(".")
                node = _walk(inputs, parents, create=op == "set")
                if op == "drop":
                    del node[int(last) if isinstance(node, list) else last]
                elif op == "append":
                    node[last].append(copy.deepcopy(argument[path]))
                elif isinstance(node, list):
                    node[int(last)] = copy.deepcopy(argument[path])
                else:
                    node[last] = copy.deepcopy(argument[path])
        return inputs


def _walk(inputs: dict[str, Any], parts: list[str], create: bool) -> Any:
    """The container at `parts`: list items by index, ConfigObjects by their arguments."""
    node: Any = inputs
    for part in parts:
        container = node.arguments if isinstance(node, ConfigObject) else node
        if isinstance(container, list):
            node = container[int(part)]
        elif create:
            node = container.setdefault(part, {})
        else:
            node = container[part]
    return node.arguments if isinstance(node, ConfigObject) else node


def load_corpus(path: Path = CORPUS_FILE) -> list[BadInput]:
    """Every case in the file, refusing a case the runner would misread (a typo in an op)."""
    document = yaml.load(path.read_text(), Loader=CorpusLoader)
    cases = []
    for resource, entries in document.items():
        for entry in entries:
            unknown = set(entry) - CASE_KEYS
            changes = tuple((key, entry[key]) for key in entry if key in OPS)
            misshapen = [op for op, argument in changes if not isinstance(argument, list if op == "drop" else dict)]
            if unknown or misshapen or not changes or not entry.get("label") or not entry.get("field"):
                raise ValueError(
                    f"{resource} case {entry.get('label')!r}: needs a label, a field and at least one of {OPS}"
                    f" (drop takes a list of paths, set and append a mapping); unknown keys: {sorted(unknown)}"
                )
            cases.append(BadInput(resource, entry["label"], changes, entry["field"]))
    return cases


CORPUS = load_corpus()


@functools.cache
def _serialized_provider(resource: str) -> str:
    return serialize_provider(PROVIDERS[resource]())


def _check_failures(host: ProviderHost, resource: str, inputs: dict[str, Any]) -> list[tuple[str, str]]:
    news = {**inputs, "__provider": _serialized_provider(resource)}
    return host.check(urn_for(resource.lower()), {}, news)[1]


COMPONENTS: dict[str, Callable[..., Any]] = {"ModelEndpoint": ModelEndpoint, "ModelRegistry": ModelRegistry}
"""Components whose arguments the corpus refuses at construction (pulumi-aws checks nothing)."""


def _construct(component: str, arguments: dict[str, Any], mocks: RecordingMocks) -> None:
    run_program(lambda: COMPONENTS[component]("churn", **built(arguments)) and None, mocks=mocks)


def _location(loc: tuple[int | str, ...]) -> str:
    """pydantic's location as the corpus writes it (`traffic.canary_percent`, `capture_modes[0]`)."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not part.startswith("function-"):  # a validator's wrapper, not a field
            text += f".{part}" if text else part
    return text


def _names(error: Exception, field: str) -> bool:
    """Whether the refusal names `field`: pydantic locates it, or locates its parent with a reason
    that names it (a cross-field rule); ModelEndpoint's own errors list `path: reason`."""
    if not isinstance(error, ValidationError):
        return re.search(rf"(^|: |; ){re.escape(field)}: ", str(error)) is not None
    for item in error.errors():
        where = _location(tuple(item["loc"]))
        if where == field:
            return True
        leaf = field.removeprefix(f"{where}.") if where else field
        parent_located = not where or leaf != field
        if parent_located and re.fullmatch(r"\w+", leaf) and re.search(rf"\b{leaf}\b", item["msg"]):
            return True
    return False


@pytest.fixture(scope="module")
def check_host(local_aws_server: LocalAws) -> Iterator[ProviderHost]:
    with ProviderHost(env=local_aws_server.env()) as host:
        host.configure({"aws:region": "us-west-2"})
        yield host


def _sagemaker_calls(aws: LocalAws) -> list[str]:
    return [call for call in aws.calls() if call.startswith("sagemaker:")]


@pytest.mark.parametrize("resource", sorted(PROVIDERS))
def test_the_known_good_inputs_pass_check(check_host: ProviderHost, resource: str) -> None:
    assert _check_failures(check_host, resource, KNOWN_GOOD[resource]()) == []


def test_the_known_good_endpoint_arguments_register_the_endpoint() -> None:
    mocks = RecordingMocks()
    _construct("ModelEndpoint", endpoint_arguments(), mocks)
    assert mocks.registered == [
        "aws:sagemaker/model:Model",
        "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
        "pulumi-python:dynamic/sagemaker:Endpoint",
    ]


@pytest.mark.parametrize("case", CORPUS, ids=[case.id for case in CORPUS])
def test_bad_input_is_refused_naming_its_field(check_host: ProviderHost, aws: LocalAws, case: BadInput) -> None:
    inputs = case.applied_to(KNOWN_GOOD[case.resource]())
    if case.resource in COMPONENTS:
        mocks = RecordingMocks()
        with pytest.raises(ValueError) as refused:
            _construct(case.resource, inputs, mocks)
        assert _names(refused.value, case.field), f"does not name {case.field}: {refused.value}"
        assert mocks.registered == []
    else:
        failures = _check_failures(check_host, case.resource, inputs)
        assert case.field in [prop for prop, _ in failures], failures
        assert all(reason for _, reason in failures)
    assert _sagemaker_calls(aws) == []


def test_the_corpus_has_250_cases_each_naming_a_field() -> None:
    assert len(CORPUS) >= 250
    assert len({case.id for case in CORPUS}) == len(CORPUS), "labels are unique within a resource"
    assert {case.resource for case in CORPUS} == set(KNOWN_GOOD)
    assert all(case.field for case in CORPUS)
