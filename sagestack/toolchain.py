"""Get the Pulumi CLI and the plugins a Python program needs (`make pulumi-cli`).

A `pulumi` already on PATH (a user's own install) is used as it is. Otherwise the CLI is built
from Go source into `.tools/bin/pulumi`: a small wrapper module, generated in
`.tools/pulumi-cli/`, requires `github.com/pulumi/pulumi/pkg/v3` and `.../sdk/v3` at
`PULUMI_VERSION` and declares the CLI's main package as a `tool`, so `go build` compiles it with
Go's module and build caches (a second run costs seconds). Beside the CLI we write the launcher
that Pulumi's distribution ships as `pulumi-resource-pulumi-python` (the engine looks for bundled
plugins next to its own executable): the dynamic-provider host in this project's virtualenv.

Two things of Pulumi's distribution are not had here. Pulumi's Python language host: its Go module
is not served by the module proxy, so programs run through the Automation API's inline programs.
The `pulumi-analyzer-policy-python` launcher: the engine of this version no longer looks for it (it
runs a policy-pack folder through the language host), so our pack ships an executable analyzer,
`policy/analyzer`, which the engine starts directly. README: "The real engine".
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

PULUMI_VERSION = "3.274.1"
"""The CLI we build: at least the Python SDK's version (the engine must know what the SDK sends)."""
CLI_MAIN_PACKAGE = "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
SDK_MODULE = "github.com/pulumi/pulumi/sdk/v3"
VERSION_SYMBOL = f"{SDK_MODULE}/go/common/version.Version"
CLIPBOARD_REPLACE = "github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e"
"""pkg/v3's own `replace`, which Go ignores in a dependency: without it the CLI does not compile."""

REPO_ROOT = Path(__file__).resolve().parents[1]
TOOLS_DIR = Path(os.environ.get("SAGESTACK_TOOLS_DIR") or REPO_ROOT / ".tools")
"""Where the CLI is built (`SAGESTACK_TOOLS_DIR` moves it, e.g. for tests)."""
TOOLS_BIN = TOOLS_DIR / "bin"
WRAPPER_DIR = TOOLS_DIR / "pulumi-cli"

DYNAMIC_PROVIDER_PLUGIN = "pulumi-resource-pulumi-python"

_PYTHON_OF_RUNTIME = """\
# The engine passes Pulumi.yaml's `runtime.options.virtualenv` as PULUMI_RUNTIME_VIRTUALENV.
python="{python}"
if [ -n "${{PULUMI_RUNTIME_VIRTUALENV:-}}" ] && [ -x "$PULUMI_RUNTIME_VIRTUALENV/bin/python" ]; then
    python="$PULUMI_RUNTIME_VIRTUALENV/bin/python"
fi
"""
LAUNCHERS = {
    DYNAMIC_PROVIDER_PLUGIN: (
        "# Pulumi's dynamic-provider plugin: the engine starts it for every program with dynamic resources.\n"
        + _PYTHON_OF_RUNTIME
        + 'exec "$python" -u -m pulumi.dynamic "$@"\n'
    ),
}


class ToolchainError(RuntimeError):
    """The CLI cannot be had here; the message says why and what to do."""


def say(message: str) -> None:
    print(f"pulumi-cli: {message}", flush=True)


def own_cli() -> Path:
    return TOOLS_BIN / "pulumi"


def users_cli() -> Path | None:
    """A `pulumi` on PATH that is not ours (a user's own install)."""
    found = shutil.which("pulumi")
    if found is None or Path(found).resolve() == own_cli().resolve():
        return None
    return Path(found)


def find_cli() -> Path | None:
    """The CLI the project uses: the user's own on PATH first, then the one built here."""
    return users_cli() or (own_cli() if os.access(own_cli(), os.X_OK) else None)


def cli_version(cli: Path) -> str:
    result = subprocess.run([str(cli), "version"], capture_output=True, text=True, check=False, timeout=60)
    return result.stdout.strip()


def _run(command: list[str], cwd: Path) -> None:
    """Run a Go command, keeping its output (hundreds of `go: added` lines) for a failure."""
    say("$ " + " ".join(command))
    result = subprocess.run(command, cwd=cwd, check=False, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise ToolchainError(f"'{' '.join(command)}' failed with exit code {result.returncode}")


def wrapper_go_mod() -> str:
    return f"module sagestack.local/pulumi-cli\n\ngo 1.26\n\nreplace {CLIPBOARD_REPLACE}\n"


def build_cli(go: str | None = None) -> Path:
    """Build `.tools/bin/pulumi` at PULUMI_VERSION, unless it is already there."""
    target = own_cli()
    if os.access(target, os.X_OK) and cli_version(target) == f"v{PULUMI_VERSION}":
        say(f"{target} is v{PULUMI_VERSION} already")
        return target
    go = go or shutil.which("go")
    if go is None:
        raise ToolchainError(
            "Go is not installed, so the Pulumi CLI cannot be built here. Install Go 1.26+ and run "
            "'make pulumi-cli' again, or install the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/)."
        )
    say(f"building the Pulumi CLI v{PULUMI_VERSION} from Go source into {target} (cached by Go after the first time)")
    WRAPPER_DIR.mkdir(parents=True, exist_ok=True)
    (WRAPPER_DIR / "go.mod").write_text(wrapper_go_mod())
    _run(
        [go, "get", "-tool", f"{CLI_MAIN_PACKAGE}@v{PULUMI_VERSION}", f"{SDK_MODULE}@v{PULUMI_VERSION}"],
        WRAPPER_DIR,
    )
    ldflags = f"-X {VERSION_SYMBOL}=v{PULUMI_VERSION}"
    _run([go, "build", "-ldflags", ldflags, "-o", str(target), CLI_MAIN_PACKAGE], WRAPPER_DIR)
    say(f"built {target}: {cli_version(target)}")
    return target


def write_launchers(python: Path) -> list[Path]:
    """The dynamic-provider plugin, next to our CLI, running `python`."""
    TOOLS_BIN.mkdir(parents=True, exist_ok=True)
    written = []
    for name, body in LAUNCHERS.items():
        path = TOOLS_BIN / name
        text = "#!/bin/sh\n# Written by sagestack.toolchain (make pulumi-cli).\n" + body.format(python=python)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
            say(f"wrote {path}")
        written.append(path)
    return written


def ensure(python: Path) -> Path:
    """The CLI to use, built if need be, with our launchers beside a CLI we built."""
    users = users_cli()
    if users is not None:
        say(f"using your Pulumi CLI at {users} ({cli_version(users)}); nothing to build")
        return users
    cli = build_cli()
    write_launchers(python)
    return cli


def aws_plugin_version() -> str:
    """The pulumi-aws plugin version our pulumi-aws Python package asks the engine for."""
    return importlib.metadata.version("pulumi-aws")


def has_plugin(cli: Path, kind: str, name: str) -> bool:
    """A plugin installed in PULUMI_HOME, or on PATH, or next to the CLI (where bundled ones live)."""
    executable = f"pulumi-{kind}-{name}"
    if shutil.which(executable) or (cli.parent / executable).exists():
        return True
    listed = subprocess.run(
        [str(cli), "plugin", "ls", "--json"], capture_output=True, text=True, check=False, timeout=60
    )
    try:
        plugins = json.loads(listed.stdout or "[]") or []
    except json.JSONDecodeError:
        return False
    return any(p.get("name") == name and p.get("kind") == kind for p in plugins)


def missing_for_up(cli: Path | None) -> list[str]:
    """What `pulumi up` of this project (Pulumi.yaml, native resources) still needs."""
    if cli is None:
        return [
            "the Pulumi CLI: install it (https://www.pulumi.com/docs/iac/download-install/) or Go 1.26+ "
            "for 'make pulumi-cli' to build it"
        ]
    missing = []
    if not has_plugin(cli, "language", "python"):
        missing.append(
            "Pulumi's Python language host (pulumi-language-python), which comes with Pulumi's own "
            "distribution; a CLI built from Go source lacks it (its module is not served)"
        )
    if not has_plugin(cli, "resource", "aws"):
        missing.append(
            f"the pulumi-aws resource plugin v{aws_plugin_version()}: "
            f"'pulumi plugin install resource aws {aws_plugin_version()}' (it downloads; not possible offline)"
        )
    return missing


def check_up() -> int:
    """Exit 0 when `pulumi up` can run here; else say what is ready and what is missing (exit 2)."""
    missing = missing_for_up(find_cli())
    if not missing:
        return 0
    print(
        "\nEverything else is ready: the virtualenv (.venv), the local AWS (stop it with 'make down') "
        "and the state folder (.pulumi-state, no Pulumi Cloud account needed).\n"
        "'pulumi up' cannot run yet; missing:"
    )
    for item in missing:
        print(f"  - {item}")
    print(
        "Then run 'make up' again. Meanwhile the engine tests ('make test') run our programs under "
        "the real CLI through the Automation API (README: The real engine)."
    )
    return 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sagestack.toolchain", description="Get the Pulumi CLI and the plugins a Python program needs."
    )
    parser.add_argument("--python", type=Path, default=Path(sys.executable), help="the Python the plugins run")
    parser.add_argument(
        "--optional", action="store_true", help="exit 0 when the CLI cannot be had (its tests are then skipped)"
    )
    parser.add_argument("--check-up", action="store_true", help="only check what 'pulumi up' of the project needs")
    args = parser.parse_args(argv)
    if args.check_up:
        return check_up()
    try:
        cli = ensure(args.python)
    except ToolchainError as error:
        say(str(error))
        if args.optional:
            say("continuing without it: the engine tests will be skipped")
            return 0
        return 1
    say(f"ready: {cli}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
