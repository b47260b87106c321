"""The pack's resource rules over a rendered stack, offline: `sagestack render --stack S --format
json > S.json; python -m policy.check_rendered --config policy/config.<env>.json S.json`.

For pull requests, whose code must not get cloud credentials (a `pulumi preview` runs the
program): `sagestack render` runs the program under Pulumi's mocks, and this applies the same
rule functions the analyzer applies to each resource's inputs, with the same per-policy config.
What it cannot do: the stack rule (`sagemaker-served-packages` needs dependencies and outputs,
which a rendering has not), and anything that depends on a real preview (values AWS computes).
The cloud preview with the whole pack runs after merge, from reviewed code.

Exit status: 0 compliant, 1 a mandatory violation, 2 unusable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from policy.rules import CHECKS, STACK_CHECKS


def policy_settings(pack_config: Mapping[str, Any], name: str) -> tuple[str, dict[str, Any]]:
    """A policy's enforcement level and properties, from a `--policy-pack-config` document (whose
    values are a level, or properties with an optional `enforcementLevel`)."""
    value = pack_config.get(name, {})
    if isinstance(value, str):
        return value, {}
    properties = dict(value)
    return str(properties.pop("enforcementLevel", "mandatory")), properties


def violations(resources: Sequence[Mapping[str, Any]], pack_config: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(level, policy, `path [type]: message`) for each violation of each enabled resource rule."""
    found: list[tuple[str, str, str]] = []
    for name, (check, _) in CHECKS.items():
        level, properties = policy_settings(pack_config, name)
        if level == "disabled":
            continue
        for resource in resources:
            for message in check(str(resource["type"]), resource.get("inputs") or {}, properties):
                found.append(
                    (level, name, f"{resource.get('path', resource.get('name'))} [{resource['type']}]: {message}")
                )
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m policy.check_rendered", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--config", required=True, type=Path, help="the pack config (policy/config.<env>.json)")
    parser.add_argument("rendered", nargs="+", type=Path, help="`sagestack render --format json` output files")
    args = parser.parse_args(argv)
    try:
        pack_config = json.loads(args.config.read_text())
        renderings = {path: json.loads(path.read_text()) for path in args.rendered}
    except (OSError, ValueError) as error:
        print(f"check_rendered: {error}", file=sys.stderr)
        return 2
    failed = False
    for path, resources in renderings.items():
        if not isinstance(resources, list):
            print(f"check_rendered: {path}: not a list of rendered resources", file=sys.stderr)
            return 2
        found = violations(resources, pack_config)
        for level, policy, message in found:
            print(f"{path}: {level}: {policy}: {message}")
        failed = failed or any(level == "mandatory" for level, _, _ in found)
        print(f"{path}: {len(resources)} resources, {len(found)} violation(s) of {len(CHECKS)} resource rules")
    skipped = ", ".join(STACK_CHECKS)
    print(f"not checked offline (needs a real preview's dependencies and outputs): {skipped}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
