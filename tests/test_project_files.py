"""The project's own files: Pulumi.yaml, the local stack, the Makefile, CI and the README."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from sagestack.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = Path(__file__).with_name("schemas") / "pulumi-project.json"
LOCAL_SERVICES = {"sagemaker", "s3", "iam", "sts", "kms"}


def _yaml(path: str) -> Any:
    return yaml.safe_load((ROOT / path).read_text())


def test_pulumi_yaml_is_valid_for_pulumi() -> None:
    jsonschema.validate(_yaml("Pulumi.yaml"), json.loads(SCHEMA.read_text()))


def test_pulumi_yaml_uses_the_project_virtualenv_and_stack_dir() -> None:
    project = _yaml("Pulumi.yaml")
    assert project["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}}
    assert project["stackConfigDir"] == "stacks"
    assert project["description"]


def _makefile_port() -> int:
    match = re.search(r"^LOCAL_PORT \?= (\d+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert match, "Makefile sets LOCAL_PORT"
    return int(match.group(1))


def test_local_stack_points_every_service_at_the_local_aws() -> None:
    config = _yaml("stacks/Pulumi.local.yaml")["config"]
    [endpoints] = config["aws:endpoints"]
    port = _makefile_port()
    assert set(endpoints) == LOCAL_SERVICES
    assert set(endpoints.values()) == {f"http://127.0.0.1:{port}"}
    assert build_parser().parse_args(["local"]).port == port, "sagestack local's default port is the stack's"
    for setting in (
        "skipCredentialsValidation",
        "skipRequestingAccountId",
        "skipMetadataApiCheck",
        "skipRegionValidation",
    ):
        assert config[f"aws:{setting}"] is True
    assert config["aws:region"]


def test_dependencies_are_pinned_as_the_project_needs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11"
    assert "pulumi>=3.200,<4" in project["dependencies"]
    assert "pulumi-aws>=7.51,<8" in project["dependencies"]
    assert "pydantic>=2.14,<3" in project["dependencies"]
    [moto] = project["optional-dependencies"]["local"]
    assert moto.startswith("moto[server]") and "<5.3" in moto
    assert project["scripts"]["sagestack"] == "sagestack.cli:main"


def test_ci_and_readme_use_the_same_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^\s*make test$", ci, re.MULTILINE)
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^(make \w+)$", quick_start, re.MULTILINE)
    assert commands == ["make up", "make test"]
