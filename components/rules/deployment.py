"""Rules of an endpoint's DeploymentConfig that the service model does not state.

Used by `ModelEndpoint` (at construction) and by the Endpoint provider's Check.
"""

from __future__ import annotations

from typing import Any

from components.core.service_model import Violation, shape_named, validate
from components.core.unknowns import contains_unknown

MAX_CANARY_PERCENT = 50
LINEAR_STEP_PERCENT = (10, 50)
ROLLING_BATCH_PERCENT = (5, 50)


def _percent_rule(size: Any, path: str, low: int, high: int) -> list[Violation]:
    if not isinstance(size, dict) or contains_unknown(size) or size.get("Type") != "CAPACITY_PERCENT":
        return []
    value = size.get("Value")
    if isinstance(value, int | float) and not low <= value <= high:
        return [Violation(path, f"must be {low}-{high} % of capacity (got {value} %)")]
    return []


def deployment_violations(config: dict[str, Any] | None, path: str = "deployment_config") -> list[Violation]:
    """DeploymentConfig against the service model and the traffic-shifting rules."""
    if not config:
        return []
    return validate(config, shape_named("DeploymentConfig"), path)[1] + deployment_rules(config, path)


def deployment_rules(config: dict[str, Any] | None, path: str = "deployment_config") -> list[Violation]:
    """What the service model does not say: one policy, and canary / linear / rolling batch sizes in range."""
    if not config:
        return []
    violations: list[Violation] = []
    blue_green, rolling = config.get("BlueGreenUpdatePolicy"), config.get("RollingUpdatePolicy")
    if blue_green and rolling:
        violations.append(Violation(path, "choose BlueGreenUpdatePolicy or RollingUpdatePolicy, not both"))
    routing = (blue_green or {}).get("TrafficRoutingConfiguration") if isinstance(blue_green, dict) else None
    if isinstance(routing, dict):
        where = f"{path}.BlueGreenUpdatePolicy.TrafficRoutingConfiguration"
        kind = routing.get("Type")
        if kind == "CANARY" and "CanarySize" not in routing:
            violations.append(Violation(f"{where}.CanarySize", "a CANARY deployment needs a canary size"))
        if kind == "LINEAR" and "LinearStepSize" not in routing:
            violations.append(Violation(f"{where}.LinearStepSize", "a LINEAR deployment needs a step size"))
        violations += _percent_rule(routing.get("CanarySize"), f"{where}.CanarySize", 1, MAX_CANARY_PERCENT)
        violations += _percent_rule(routing.get("LinearStepSize"), f"{where}.LinearStepSize", *LINEAR_STEP_PERCENT)
    if isinstance(rolling, dict):
        where = f"{path}.RollingUpdatePolicy"
        for member in ("MaximumBatchSize", "RollbackMaximumBatchSize"):
            violations += _percent_rule(rolling.get(member), f"{where}.{member}", *ROLLING_BATCH_PERCENT)
    return violations
