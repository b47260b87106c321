"""The `sagestack` command line as a user meets it: every error one or two lines and an exit code
(never a traceback), `render` whole and the same on every run (table, JSON, Mermaid; --diff too),
and `promote` confined to the stacks directory and to the stacks' own registry."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import cast

import pytest

from sagestack.cli import build_parser, main
from sagestack.testing.local_aws import LocalAws
from tests.offline import forbid_aws
from tests.sagemaker_requests import model_package

ROOT = Path(__file__).resolve().parents[1]
STACKS = ROOT / "stacks"
SAGESTACK = Path(sys.executable).parent / "sagestack"
SHIPPED_ACCOUNT = "111111111111"
"""The central registry's account in the shipped stack files."""
STAGING_ARN = f"arn:aws:sagemaker:us-west-2:{SHIPPED_ACCOUNT}:model-package/churn/2"
DEV_ARN = f"arn:aws:sagemaker:us-west-2:{SHIPPED_ACCOUNT}:model-package/churn/3"


def _sagestack(args: list[str], cwd: Path, env: dict[str, str], seed: str = "0") -> subprocess.CompletedProcess[str]:
    """A fresh process, as a user runs it, of the code beside these tests (PYTHONPATH: the
    installed `sagestack` may be another tree's, as when these tests run on an older checkout)."""
    return subprocess.run(
        [str(SAGESTACK), *args],
        cwd=cwd,
        env={**env, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def _no_aws_env(tmp_path: Path) -> dict[str, str]:
    """No credentials, no region, no ~/.aws, no instance metadata; AWS itself unreachable."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # nothing listens there
    }


def _copy(tmp_path: Path, account: str = SHIPPED_ACCOUNT) -> Path:
    """The shipped stack files in `tmp_path/repo/stacks`, with the central registry's account
    replaced by `account` (the local AWS's, for tests that register packages there)."""
    copy = tmp_path / "repo" / "stacks"
    shutil.copytree(STACKS, copy)
    for path in copy.glob("Pulumi.*.yaml"):
        path.write_text(path.read_text().replace(SHIPPED_ACCOUNT, account))
    return copy


def _set(path: Path, old: str, new: str) -> None:
    """Edit a stack file as a person would: one value, layout and comments kept."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def _assert_one_message(done: subprocess.CompletedProcess[str], code: int, *wanted: str) -> None:
    assert done.returncode == code, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    lines = done.stderr.splitlines()
    assert 1 <= len(lines) <= 2, done.stderr
    for text in wanted:
        assert text in done.stderr, done.stderr
    # A missing file is not an invalid stack: `validate` would not say more.
    assert "the stack is invalid" not in done.stderr or "no such stack file" not in done.stderr, done.stderr


# --- errors: a line or two, never a traceback ------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "wanted"),
    [
        (["render", "--stack", "nosuch"], 1, "Pulumi.nosuch.yaml: no such stack file (stacks in"),
        (["render", "--diff", "staging", "nosuch"], 1, "Pulumi.nosuch.yaml: no such stack file (stacks in"),
        (["render", "--stack", "../x"], 2, "not a stack file: stack files are named Pulumi.<stack>.yaml"),
        (["promote", "--from", "dev", "--to", "nosuch"], 1, "Pulumi.nosuch.yaml: no such stack file (stacks in"),
        (["promote", "--from", "dev", "--to", "dev"], 2, "--from and --to both name"),
        (["promote", "--from", "dev", "--to", "st aging"], 2, "not a stack name"),
        (["promote", "--from", "dev", "--to", "staging", "--package-arn", "churn/3"], 2, "not a model package"),
        (["validate", "--stack", "x/../../y"], 2, "not a stack file"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_a_user_error_is_a_line_and_an_exit_code(tmp_path: Path, args: list[str], code: int, wanted: str) -> None:
    stacks = _copy(tmp_path)
    before = {path.name: path.read_bytes() for path in stacks.iterdir()}
    done = _sagestack([*args, "--stacks-dir", str(stacks)], tmp_path, _no_aws_env(tmp_path))
    _assert_one_message(done, code, wanted)
    assert done.stdout == ""
    assert {path.name: path.read_bytes() for path in stacks.iterdir()} == before


@pytest.mark.parametrize("args", [["render", "--stack", "dev"], ["promote", "--from", "dev", "--to", "staging"]])
def test_run_outside_the_project_says_where_it_looked(tmp_path: Path, args: list[str]) -> None:
    done = _sagestack(args, tmp_path, _no_aws_env(tmp_path))
    _assert_one_message(done, 1, f"no stack files in {tmp_path.resolve() / 'stacks'}", "run from the project root")


def test_validate_takes_a_stack_file_path(tmp_path: Path) -> None:
    done = _sagestack(["validate", "--stack", "stacks/Pulumi.dev.yaml"], ROOT, _no_aws_env(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("1 stack file(s) valid (dev)")
    assert main(["validate", "--stack", str(STACKS / "Pulumi.staging.yaml"), "--stacks-dir", "nowhere"]) == 0


def test_promote_without_credentials_says_so(tmp_path: Path) -> None:
    stacks = _copy(tmp_path)
    done = _sagestack(
        ["promote", "--from", "dev", "--to", "staging", "--stacks-dir", str(stacks)], tmp_path, _no_aws_env(tmp_path)
    )
    _assert_one_message(done, 1, f"{DEV_ARN}: cannot be read from the registry: no AWS credentials found", "sign in")


def test_promote_without_a_region_anywhere_says_where_to_set_one(tmp_path: Path) -> None:
    stacks = _copy(tmp_path)
    for path in stacks.glob("Pulumi.*.yaml"):
        path.write_text(path.read_text().replace("  aws:region: us-west-2\n", ""))
    env = {**_no_aws_env(tmp_path), "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    done = _sagestack(["promote", "--from", "dev", "--to", "staging", "--stacks-dir", str(stacks)], tmp_path, env)
    _assert_one_message(done, 1, "no AWS region: set aws:region in the target stack file, or AWS_REGION")


def test_promote_of_an_unreadable_source_is_one_line(tmp_path: Path) -> None:
    stacks = _copy(tmp_path)
    (stacks / "Pulumi.dev.yaml").write_text("config:\n  sagemaker:serving: [oops\n")
    done = _sagestack(
        ["promote", "--from", "dev", "--to", "staging", "--stacks-dir", str(stacks)], tmp_path, _no_aws_env(tmp_path)
    )
    _assert_one_message(done, 1, f"{stacks / 'Pulumi.dev.yaml'}: not valid YAML")


# --- help and version ------------------------------------------------------------------------


def test_version_comes_from_the_installed_package(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"sagestack {version('sagemaker-pulumi')}"


def _subcommands(parser: argparse.ArgumentParser) -> tuple[dict[str, str], dict[str, argparse.ArgumentParser]]:
    """Each subcommand's line in `sagestack --help`, and its own parser."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            commands = cast("argparse._SubParsersAction[argparse.ArgumentParser]", action)
            lines = {choice.dest: choice.help or "" for choice in commands._choices_actions}
            return lines, dict(commands.choices)
    raise AssertionError("sagestack has no subcommands")


def test_every_subcommand_and_option_is_described() -> None:
    parser = build_parser()
    lines, parsers = _subcommands(parser)
    assert set(lines) == set(parsers) == {"local", "validate", "render", "promote"}
    for name, subparser in parsers.items():
        assert lines[name] and "\n" not in lines[name], name
        assert subparser.description, f"`sagestack {name} --help` has no description"
        for action in subparser._actions:
            assert action.help, f"sagestack {name} {'/'.join(action.option_strings)} has no help"
    assert "--version" in parser.format_help()


# --- render: whole, ordered, the same bytes on every run --------------------------------------


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Rendering calls no AWS and opens no connection."""
    calls = forbid_aws(monkeypatch, "render")
    yield calls
    assert calls == []


@pytest.mark.parametrize("output", ["table", "json", "mermaid"])
def test_render_is_the_same_bytes_on_every_run_in_path_order(tmp_path: Path, output: str) -> None:
    args = ["render", "--stack", "dev", "--format", output]
    first = _sagestack(args, ROOT, _no_aws_env(tmp_path), seed="1")
    second = _sagestack(args, ROOT, _no_aws_env(tmp_path), seed="2")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    if output == "table":
        headers = [line.split("  [")[0] for line in first.stdout.splitlines() if not line.startswith(" ")]
        assert headers == sorted(headers) and len(headers) > 10
    if output == "json":
        assert [item["path"] for item in json.loads(first.stdout)] == sorted(
            item["path"] for item in json.loads(first.stdout)
        )


def test_the_gitops_step_shows_the_changed_hyperparameter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], offline: list[str]
) -> None:
    """README, GitOps step 1: change max_depth in dev's stack file, and render it."""
    changed = _copy(tmp_path) / "Pulumi.dev.yaml"
    _set(changed, 'max_depth: "5"', 'max_depth: "6"')
    assert main(["render", "--diff", str(STACKS / "Pulumi.dev.yaml"), str(changed)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        '~ dev/dev-train/dev-train-job: request.HyperParameters.max_depth: "5" -> "6"'
    ]
    assert main(["render", "--stack", str(changed)]) == 0
    assert '    request.HyperParameters.max_depth = "6"\n' in capsys.readouterr().out
    assert main(["render", "--diff", "dev", str(changed), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["changed"] == [
        {
            "path": "dev/dev-train/dev-train-job",
            "type": "pulumi-python:dynamic/sagemaker:TrainingJob",
            "key": "request.HyperParameters.max_depth",
            "before": "5",
            "after": "6",
        }
    ]
    assert document["added"] == document["removed"] == []


def test_a_promotion_diff_shows_both_arns_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], offline: list[str]
) -> None:
    promoted = _copy(tmp_path) / "Pulumi.staging.yaml"
    _set(promoted, STAGING_ARN, DEV_ARN)
    assert main(["render", "--diff", "staging", str(promoted)]) == 0
    out = capsys.readouterr().out
    model = "staging/churn-staging/churn-staging-model"
    assert out.splitlines() == [f'~ {model}: primaryContainer.modelPackageName: "{STAGING_ARN}" -> "{DEV_ARN}"']


def test_render_shows_every_value_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str], offline: list[str]) -> None:
    stacks = _copy(tmp_path)
    long_value = "x" * 250  # HyperParameters values may be 256 characters
    _set(stacks / "Pulumi.dev.yaml", 'num_round: "100"', f'num_round: "{long_value}"')
    assert main(["render", "--stack", "dev", "--stacks-dir", str(stacks)]) == 0
    out = capsys.readouterr().out
    assert f'    request.HyperParameters.num_round = "{long_value}"\n' in out
    assert "..." not in out
    # A policy document held as a JSON string is shown member by member.
    assert '    resourcePolicy<json>.Statement[0].Principal.AWS[0] = "arn:aws:iam::222222222222:root"' in out


def test_render_json_keeps_the_fields_the_policy_check_reads(
    capsys: pytest.CaptureFixture[str], offline: list[str]
) -> None:
    assert main(["render", "--stack", "staging", "--format", "json", "--stacks-dir", str(STACKS)]) == 0
    resources = json.loads(capsys.readouterr().out)
    endpoint = next(item for item in resources if item["type"] == "pulumi-python:dynamic/sagemaker:Endpoint")
    assert endpoint["path"] == "staging/churn-staging/churn-staging-endpoint"
    assert endpoint["name"] == "churn-staging-endpoint"
    assert endpoint["inputs"]["endpoint_config_name"] == "churn-staging-config-<random suffix>"
    assert endpoint["dependencies"] == {
        "endpoint_config_name": [
            "urn:pulumi:staging::sagemaker-platform::sagemaker:serving:ModelEndpoint"
            "$aws:sagemaker/endpointConfiguration:EndpointConfiguration::churn-staging-config"
        ]
    }


NODE = re.compile(r'^\s*(?P<id>r\d+)\["(?P<label>[^"]*)"\]$')
SUBGRAPH = re.compile(r'^\s*subgraph (?P<id>r\d+)\["(?P<label>[^"]*)"\]$')
EDGE = re.compile(r'^  (?P<source>r\d+) -->\|"(?P<label>[^"]*)"\| (?P<target>r\d+)$')


def _mermaid(text: str) -> tuple[dict[str, str], list[tuple[str, str, str]], dict[str, str]]:
    """Labels by id, edges (source, label, target) and classes by id of a flowchart as we write
    them; anything else on a line fails (a label with a raw quote would end it early)."""
    lines = text.splitlines()
    assert lines[0] == "flowchart TB"
    labels: dict[str, str] = {}
    edges: list[tuple[str, str, str]] = []
    classes: dict[str, str] = {}
    depth = 0
    for line in lines[1:]:
        if line.strip().startswith("%%") or line.startswith("  classDef "):
            continue
        if (match := SUBGRAPH.match(line)) is not None:
            depth += 1
            labels[match["id"]] = match["label"]
        elif line.strip() == "end":
            depth -= 1
            assert depth >= 0
        elif (match := NODE.match(line)) is not None:
            labels[match["id"]] = match["label"]
        elif (match := EDGE.match(line)) is not None:
            edges.append((match["source"], match["label"], match["target"]))
        elif line.startswith("  class "):
            ids, name = line.split()[1:]
            classes |= dict.fromkeys(ids.split(","), name)
        else:
            raise AssertionError(f"not a line of our flowcharts: {line!r}")
    assert depth == 0
    assert {node for source, _, target in edges for node in (source, target)} <= set(labels)
    assert set(classes) <= set(labels)
    return labels, edges, classes


def test_render_mermaid_draws_components_and_dependencies(
    capsys: pytest.CaptureFixture[str], offline: list[str]
) -> None:
    assert main(["render", "--stack", "dev", "--format", "mermaid", "--stacks-dir", str(STACKS)]) == 0
    text = capsys.readouterr().out
    labels, edges, _ = _mermaid(text)
    by_name = {label.split("<br/>")[0]: node for node, label in labels.items()}
    assert labels[by_name["dev"]] == "dev<br/>sagemaker:platform:MLPlatform"
    assert f'subgraph {by_name["churn-dev"]}["churn-dev<br/>sagemaker:serving:ModelEndpoint"]' in text
    assert (by_name["churn-dev-config"], "endpoint_config_name", by_name["churn-dev-endpoint"]) in edges
    assert (by_name["churn-dev-model"], "productionVariants", by_name["churn-dev-config"]) in edges
    assert (by_name["dev-train-job"], "request", by_name["dev-model-version"]) in edges
    assert len(labels) == 17


def test_render_diff_mermaid_marks_what_changed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], offline: list[str]
) -> None:
    changed = _copy(tmp_path) / "Pulumi.dev.yaml"
    _set(changed, 'max_depth: "5"', 'max_depth: "6"')
    assert main(["render", "--diff", "dev", str(changed), "--format", "mermaid", "--stacks-dir", str(STACKS)]) == 0
    labels, _, classes = _mermaid(capsys.readouterr().out)
    job = next(node for node, label in labels.items() if label.startswith("~ dev-train-job<br/>"))
    assert classes == {job: "changed"}
    assert labels[job].endswith("<br/>~ request.HyperParameters.max_depth: #quot;5#quot; → #quot;6#quot;")


def test_render_diff_mermaid_marks_added_and_removed(capsys: pytest.CaptureFixture[str], offline: list[str]) -> None:
    """dev trains and registers; staging does not: from staging to dev those resources are added."""
    assert main(["render", "--diff", "staging", "dev", "--format", "mermaid", "--stacks-dir", str(STACKS)]) == 0
    labels, _, classes = _mermaid(capsys.readouterr().out)
    added = {labels[node].split("<br/>")[0] for node, mark in classes.items() if mark == "added"}
    assert {"+ dev-train-job", "+ dev-registry-group", "+ dev-model-version", "+ customers-group"} <= added
    assert main(["render", "--diff", "dev", "staging", "--format", "mermaid", "--stacks-dir", str(STACKS)]) == 0
    labels, _, classes = _mermaid(capsys.readouterr().out)
    removed = {labels[node].split("<br/>")[0] for node, mark in classes.items() if mark == "removed"}
    assert "- dev-train-job" in removed


# --- promote: confined, from the stacks' registry, region from the stack file -----------------


@pytest.fixture
def local_account(aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> str:
    """The local AWS as the standard chain's AWS; its account (where packages get registered)."""
    aws.set_durations({"model_package": {"pending": 0, "in_progress": 0}})
    for key in [key for key in os.environ if key.startswith("AWS_")]:
        monkeypatch.delenv(key)
    for key, value in aws.env().items():
        monkeypatch.setenv(key, value)
    return str(aws.client("sts").get_caller_identity()["Account"])


def _register(aws: LocalAws, group: str = "churn", approval: str = "Approved") -> str:
    sm = aws.client("sagemaker")
    groups = sm.list_model_package_groups()["ModelPackageGroupSummaryList"]
    if group not in {item["ModelPackageGroupName"] for item in groups}:
        sm.create_model_package_group(ModelPackageGroupName=group)
    arn = str(sm.create_model_package(**model_package(group))["ModelPackageArn"])
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus=approval)
    return arn


def _serve(stacks: Path, stack: str, arn: str) -> None:
    path = stacks / f"Pulumi.{stack}.yaml"
    path.write_text(re.sub(r"model_package_arn: \S+", f"model_package_arn: {arn}", path.read_text()))


def test_promoting_what_is_already_served_changes_nothing(
    tmp_path: Path, aws: LocalAws, local_account: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stacks = _copy(tmp_path, local_account)
    arn = _register(aws)
    _serve(stacks, "dev", arn)
    _serve(stacks, "staging", arn)
    before = (stacks / "Pulumi.staging.yaml").read_bytes()
    aws.clear_calls()
    assert main(["promote", "--from", "dev", "--to", "staging", "--stacks-dir", str(stacks)]) == 0
    assert capsys.readouterr().out == f"staging already serves {arn}; nothing to change\n"
    assert (stacks / "Pulumi.staging.yaml").read_bytes() == before
    assert "sagemaker:DescribeModelPackage" not in aws.calls()


def test_promote_does_not_write_outside_the_stacks_directory(
    tmp_path: Path, aws: LocalAws, local_account: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stacks = _copy(tmp_path, local_account)
    _serve(stacks, "dev", _register(aws))
    outside = tmp_path / "outside"
    outside.mkdir()
    victim, stack_file = outside / "victim.yaml", outside / "Pulumi.elsewhere.yaml"
    for path in (victim, stack_file):
        shutil.copy(stacks / "Pulumi.staging.yaml", path)
    (stacks / "Pulumi.x").mkdir()  # what made `Pulumi.x/../../../outside/victim.yaml` a path that resolves
    (stacks / "Pulumi.linked.yaml").symlink_to(stack_file)
    before = victim.read_bytes()
    for target, reason in [
        ("x/../../../outside/victim", "not a stack file"),
        ("../outside/victim", "not a stack file"),
        (str(stack_file), "is outside the stacks directory"),
        ("linked", "is outside the stacks directory"),
    ]:
        code = main(["promote", "--from", "dev", "--to", target, "--stacks-dir", str(stacks)])
        assert victim.read_bytes() == stack_file.read_bytes() == before, f"--to {target} wrote outside {stacks}"
        assert code == 2, target
        assert reason in capsys.readouterr().err, target


def test_promote_takes_packages_only_from_the_stacks_registry(
    tmp_path: Path, aws: LocalAws, local_account: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stacks = _copy(tmp_path, local_account)
    staging = stacks / "Pulumi.staging.yaml"
    before = staging.read_bytes()
    other_group = _register(aws, "other")  # Approved, same account, another group
    other_account = f"arn:aws:sagemaker:us-west-2:999999999999:model-package/churn/{other_group.rsplit('/', 1)[1]}"
    for arn in (other_group, other_account):
        assert (
            main(["promote", "--from", "dev", "--to", "staging", "--package-arn", arn, "--stacks-dir", str(stacks)])
            == 1
        )
        err = capsys.readouterr().err
        assert f"{arn} is not in the registry the stacks use: group churn in account {local_account}, us-west-2" in err
        assert f"(sagemaker:registry of {stacks / 'Pulumi.dev.yaml'})" in err
        assert "--allow-foreign-package" in err and len(err.splitlines()) == 2
    # What a stack serves is held to the same registry.
    _serve(stacks, "dev", other_group)
    assert main(["promote", "--from", "dev", "--to", "staging", "--stacks-dir", str(stacks)]) == 1
    assert f"{other_group} (what dev serves) is not in the registry the stacks use" in capsys.readouterr().err
    assert staging.read_bytes() == before
    # Unless the promoter says so: then only its approval is checked.
    assert (
        main(["promote", "--from", "dev", "--to", "staging", "--allow-foreign-package", "--stacks-dir", str(stacks)])
        == 0
    )
    assert f"model_package_arn: {other_group}\n" in staging.read_text()


def test_promote_refuses_a_package_from_another_region(
    tmp_path: Path, local_account: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stacks = _copy(tmp_path, local_account)
    arn = f"arn:aws:sagemaker:eu-west-1:{local_account}:model-package/churn/1"
    args = ["promote", "--from", "dev", "--to", "staging", "--package-arn", arn, "--allow-foreign-package"]
    assert main([*args, "--stacks-dir", str(stacks)]) == 1
    assert "deploys to us-west-2 (aws:region): an endpoint serves a package from its own region only" in (
        capsys.readouterr().err
    )


def test_promote_region_comes_from_the_stack_file_first(
    tmp_path: Path, aws: LocalAws, local_account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    stacks = _copy(tmp_path, local_account)
    _serve(stacks, "dev", _register(aws))
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    aws.clear_requests()
    assert main(["promote", "--from", "dev", "--to", "staging", "--stacks-dir", str(stacks)]) == 0
    assert [request["region"] for request in aws.requests("sagemaker:DescribeModelPackage")] == ["us-west-2"]
    # The target's aws:region, else the source's.
    from sagestack.promote import plan_promotion  # noqa: PLC0415 - the rest of this file runs on older code

    _set(stacks / "Pulumi.staging.yaml", "aws:region: us-west-2", "aws:region: us-east-2")
    arn = f"arn:aws:sagemaker:us-east-2:{local_account}:model-package/churn/1"
    assert plan_promotion("dev", "staging", stacks, package_arn=arn, allow_foreign_package=True).region == "us-east-2"
    _set(stacks / "Pulumi.staging.yaml", "  aws:region: us-east-2\n", "")
    assert plan_promotion("dev", "staging", stacks, package_arn=arn, allow_foreign_package=True).region == "us-west-2"


def test_promote_region_from_aws_region_alone(
    tmp_path: Path, aws: LocalAws, local_account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No aws:region in the stack files, and only AWS_REGION set (boto3 reads AWS_DEFAULT_REGION)."""
    stacks = _copy(tmp_path, local_account)
    for path in stacks.glob("Pulumi.*.yaml"):
        path.write_text(path.read_text().replace("  aws:region: us-west-2\n", ""))
    _serve(stacks, "dev", _register(aws))
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    aws.clear_requests()
    assert main(["promote", "--from", "dev", "--to", "staging", "--stacks-dir", str(stacks)]) == 0
    assert [request["region"] for request in aws.requests("sagemaker:DescribeModelPackage")] == ["us-west-2"]


def test_an_aws_error_is_one_line_with_a_hint(
    tmp_path: Path, aws: LocalAws, local_account: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stacks = _copy(tmp_path, local_account)
    arn = _register(aws)
    _serve(stacks, "dev", arn)
    message = "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: sagemaker:DescribeModelPackage"
    aws.fail_calls("sagemaker:DescribeModelPackage", code="AccessDeniedException", message=message)
    assert main(["promote", "--from", "dev", "--to", "staging", "--stacks-dir", str(stacks)]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"sagestack promote: refused: {arn}: cannot be read from the registry: AccessDeniedException: {message} "
        "(your credentials may not call sagemaker:DescribeModelPackage on it)\n"
    )
    missing = f"arn:aws:sagemaker:us-west-2:{local_account}:model-package/churn/99"
    assert (
        main(["promote", "--from", "dev", "--to", "staging", "--package-arn", missing, "--stacks-dir", str(stacks)])
        == 1
    )
    err = capsys.readouterr().err
    assert f"{missing}: cannot be read from the registry: " in err and "(no such package version in the registry" in err
    assert len(err.splitlines()) == 1


def test_running_the_program_without_the_engine_says_how_to_run_it() -> None:
    ran = subprocess.run(
        [sys.executable, "__main__.py"], cwd=ROOT, capture_output=True, text=True, check=False, timeout=120
    )
    assert ran.returncode == 1
    assert "pulumi up --stack local" in ran.stderr and "sagestack render" in ran.stderr
    assert "Traceback" not in ran.stderr and "Field required" not in ran.stderr


@pytest.mark.parametrize(
    ("assignment", "said"),
    [
        ("training_job.trainin=5", "training_job.trainin: no such kind or phase"),
        ("training_job.training=five", "'five' is not a number of seconds"),
    ],
)
def test_a_bad_duration_is_one_line_naming_it(assignment: str, said: str) -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "sagestack", "local", "--port", "0", "--duration", assignment],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert ran.returncode == 2
    assert said in ran.stderr and "training_job.training" in ran.stderr  # the phases it knows
    assert "Traceback" not in ran.stderr and "errors.pydantic.dev" not in ran.stderr
