"""Search over the resources the layer owns: training jobs, endpoints, models, model packages
and their groups, feature groups and their features (`RESOURCES`).

A search record is the resource's describe answer plus its Tags, cut to the SearchRecord
member's shape. A SearchExpression combines its Filters, NestedFilters and SubExpressions with
its Operator (And by default). A filter names a property by its path in the record
(`TrainingJobName`, `ResourceConfig.InstanceType`, `HyperParameters.max_depth`, `Tags.team`;
through a list, any element may match) and compares it with every operator of the API:

- Equals / NotEquals / In (a comma-separated list): strings exactly, numbers and booleans by
  value, timestamps given as epoch seconds or ISO 8601;
- Contains: a substring of a string property (case-sensitive);
- GreaterThan(OrEqualTo) / LessThan(OrEqualTo): numbers and timestamps by value, strings that
  hold numbers (hyperparameters) as numbers, other strings in order;
- Exists / NotExists: whether the property has a value.

A property the record lacks matches only NotEquals and NotExists. Results are sorted by SortBy
(a property path; LastModifiedTime by default, else CreationTime for records without one),
Descending unless SortOrder says otherwise, and paged by MaxResults (10) and NextToken; TotalHits
counts every match. Search on any other resource type goes to moto (pipelines, experiments...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, cast

from botocore.model import Shape, StructureShape

from .core import Call, Record, operation, paginate, service_model
from .errors import ValidationError
from .feature_groups import KIND as FEATURE_GROUP
from .feature_groups import describe_record as describe_feature_group
from .hosting import DEPLOYED, ENDPOINT, MODEL, describe_endpoint_record, describe_model_record
from .jobs import describe_record as describe_job
from .model_registry import GROUP, PACKAGE, describe_group_record, describe_package_record
from .training_jobs import TRAINING_JOB

Builder = Callable[[Call], Iterable[dict[str, Any]]]
MISSING = object()


def _tags(record: Record) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in record.tags.items()]


def _cut(value: dict[str, Any], shape_name: str) -> dict[str, Any]:
    """Keep the members a search record's shape has (a describe answer has a few more)."""
    members = cast(dict[str, Shape], cast(StructureShape, service_model().shape_for(shape_name)).members)
    return {key: item for key, item in value.items() if key in members}


def _training_jobs(call: Call) -> Iterable[dict[str, Any]]:
    for record in call.store.all(TRAINING_JOB.kind, call.now):
        yield _cut(describe_job(TRAINING_JOB, call, record) | {"Tags": _tags(record)}, "TrainingJob")


def _endpoints(call: Call) -> Iterable[dict[str, Any]]:
    for record in call.store.all(ENDPOINT, call.now):
        yield _cut(describe_endpoint_record(call, record) | {"Tags": _tags(record)}, "Endpoint")


def _models(call: Call) -> Iterable[dict[str, Any]]:
    endpoints = [(record, record.state(call.now)) for record in call.store.all(ENDPOINT, call.now)]
    for record in call.store.all(MODEL, call.now):
        serving = [
            _cut(describe_endpoint_record(call, endpoint), "ModelDashboardEndpoint")
            for endpoint, state in endpoints
            if any(
                (variant.get("ModelName") or "").lower() == record.name.lower()
                for variant in (state.get(DEPLOYED) or {}).get("ProductionVariants", [])
            )
        ]
        yield {"Model": describe_model_record(record) | {"Tags": _tags(record)}, "Endpoints": serving}


def _model_packages(call: Call) -> Iterable[dict[str, Any]]:
    for record in call.store.all(PACKAGE, call.now):
        yield _cut(describe_package_record(call, record) | {"Tags": _tags(record)}, "ModelPackage")


def _model_package_groups(call: Call) -> Iterable[dict[str, Any]]:
    for record in call.store.all(GROUP, call.now):
        yield _cut(describe_group_record(call, record) | {"Tags": _tags(record)}, "ModelPackageGroup")


def _feature_groups(call: Call) -> Iterable[dict[str, Any]]:
    for record in call.store.all(FEATURE_GROUP, call.now):
        yield _cut(describe_feature_group(call, record) | {"Tags": _tags(record)}, "FeatureGroup")


def _feature_metadata(call: Call) -> Iterable[dict[str, Any]]:
    for record in call.store.all(FEATURE_GROUP, call.now):
        group = describe_feature_group(call, record)
        for feature in group["FeatureDefinitions"]:
            yield {
                "FeatureGroupArn": group["FeatureGroupArn"],
                "FeatureGroupName": group["FeatureGroupName"],
                "FeatureName": feature["FeatureName"],
                "FeatureType": feature["FeatureType"],
                "CreationTime": group["CreationTime"],
                "LastModifiedTime": group["LastModifiedTime"],
            }


RESOURCES: dict[str, tuple[str, Builder]] = {
    "TrainingJob": ("TrainingJob", _training_jobs),
    "Endpoint": ("Endpoint", _endpoints),
    "Model": ("Model", _models),
    "ModelPackage": ("ModelPackage", _model_packages),
    "ModelPackageGroup": ("ModelPackageGroup", _model_package_groups),
    "FeatureGroup": ("FeatureGroup", _feature_groups),
    "FeatureMetadata": ("FeatureMetadata", _feature_metadata),
}
"""Search's Resource value -> (its SearchRecord member, the records it searches)."""


# --- properties and filters -------------------------------------------------------------------


def values(record: Any, path: str) -> list[Any]:
    """Every value at a dotted property path (lists fan out; `Tags.k` reads the tag k)."""
    current: list[Any] = [record]
    for part in path.split("."):
        found: list[Any] = []
        for item in current:
            if isinstance(item, list):
                if item and all(isinstance(tag, dict) and set(tag) <= {"Key", "Value"} for tag in item):
                    found += [tag.get("Value") for tag in item if tag.get("Key") == part]
                else:
                    found += [element.get(part, MISSING) for element in item if isinstance(element, dict)]
            elif isinstance(item, dict):
                found.append(item.get(part, MISSING))
        current = [
            element
            for item in found
            if item is not MISSING and item is not None
            for element in (item if isinstance(item, list) and part != "Tags" else [item])
        ]
    return current


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise ValidationError(f"Value {text!r} is neither a number nor an ISO 8601 time.") from None


def _compare(actual: Any, operator: str, expected: str) -> bool:
    if isinstance(actual, bool):
        return _ordered(str(actual).lower(), operator, expected.lower())
    if isinstance(actual, int | float):
        if operator in ("Contains",):
            return False
        if operator == "In":
            return any(float(actual) == _number(item.strip()) for item in expected.split(","))
        return _ordered(float(actual), operator, _number(expected))
    text = str(actual)
    if operator == "Contains":
        return expected in text
    if operator == "In":
        return text in [item.strip() for item in expected.split(",")]
    if operator not in ("Equals", "NotEquals"):
        # Hyperparameters are strings that hold numbers: "10" > "9" as numbers, not as text.
        try:
            return _ordered(float(text), operator, float(expected))
        except ValueError:
            pass
    return _ordered(text, operator, expected)


def _ordered(actual: Any, operator: str, expected: Any) -> bool:
    checks: dict[str, Callable[[Any, Any], bool]] = {
        "Equals": lambda a, b: a == b,
        "NotEquals": lambda a, b: a != b,
        "GreaterThan": lambda a, b: a > b,
        "GreaterThanOrEqualTo": lambda a, b: a >= b,
        "LessThan": lambda a, b: a < b,
        "LessThanOrEqualTo": lambda a, b: a <= b,
        "In": lambda a, b: a == b,
    }
    return checks[operator](actual, expected)


def matches_filter(record: Any, search_filter: dict[str, Any]) -> bool:
    operator = search_filter.get("Operator", "Equals")
    found = values(record, search_filter["Name"])
    if operator == "Exists":
        return bool(found)
    if operator == "NotExists":
        return not found
    if "Value" not in search_filter:
        raise ValidationError(f"Filter {search_filter['Name']} with operator {operator} needs a Value.")
    if not found:
        return operator == "NotEquals"
    if operator == "NotEquals":
        return all(_compare(value, "NotEquals", search_filter["Value"]) for value in found)
    return any(_compare(value, operator, search_filter["Value"]) for value in found)


def _nested(record: Any, nested: dict[str, Any]) -> bool:
    """NestedFilters: one element of the nested list satisfies every filter (named by full path)."""
    prefix = nested["NestedPropertyName"] + "."
    return any(
        all(matches_filter(element, {**f, "Name": f["Name"].removeprefix(prefix)}) for f in nested["Filters"])
        for element in values(record, nested["NestedPropertyName"])
        if isinstance(element, dict)
    )


def matches(record: Any, expression: dict[str, Any] | None) -> bool:
    if not expression:
        return True
    results = [matches_filter(record, f) for f in expression.get("Filters") or []]
    results += [_nested(record, n) for n in expression.get("NestedFilters") or []]
    results += [matches(record, sub) for sub in expression.get("SubExpressions") or []]
    return any(results) if expression.get("Operator") == "Or" else all(results)


def _sort_key(record: Any, sort_by: str | None) -> tuple[int, Any]:
    paths = [sort_by] if sort_by else ["LastModifiedTime", "CreationTime"]
    for path in paths:
        found = values(record, path)
        if found:
            value = found[0]
            return (1, value if isinstance(value, int | float) and not isinstance(value, bool) else str(value))
    return (0, "")  # records without the property sort before every other, so last when descending


@operation("Search")
def search(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    resource = body["Resource"]
    if resource not in RESOURCES:  # the server sends other resources to moto; a direct call is refused
        raise ValidationError(f"Search on {resource} is not answered by the SageMaker layer.")
    member, build = RESOURCES[resource]
    found = [record for record in build(call) if matches(record, body.get("SearchExpression"))]
    descending = body.get("SortOrder", "Descending") == "Descending"
    found.sort(key=lambda record: _sort_key(record, body.get("SortBy")), reverse=descending)
    page = paginate([{member: record} for record in found], body, "Results")
    return page | {"TotalHits": {"Value": len(found), "Relation": "EqualTo"}}
