"""Entry point of the policy pack: `pulumi preview --policy-pack policy`."""

from pulumi_policy import EnforcementLevel, PolicyPack
from rules import policies  # type: ignore[import-not-found]  # run as a script from policy/

PolicyPack(name="sagemaker-guardrails", enforcement_level=EnforcementLevel.MANDATORY, policies=policies())
