"""`python -m pipeline <command>`: the one place that decides printing and exit codes.

Each command lives in its own module, which exposes ``add_arguments(parser)`` and
``run(args) -> int``; modules are imported only when their command runs, so a slow import
(Pelican, openpyxl) never delays `validate`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("pipeline.validate_cli", "check data/ and content/ against schemas and rules"),
    "build": ("pipeline.build", "validate, then build the site and the open data into output/"),
    "devserver": ("pipeline.devserver", "rebuild on change and serve on localhost"),
    "import": ("pipeline.importer", "import a workbook into data/ (validated first)"),
    "release": ("pipeline.release", "record a release of the data in releases/"),
    "synth": ("pipeline.synth", "write a synthetic national package for benchmarks"),
    "bench": ("pipeline.bench", "benchmark publish stages against Pelican/Jinja2/Frictionless"),
    "illustrations": ("pipeline.illustrations", "draw missing sample illustrations"),
}


def available() -> dict[str, tuple[str, str]]:
    """Commands whose module exists in this checkout."""
    return {name: spec for name, spec in COMMANDS.items()
            if importlib.util.find_spec(spec[0]) is not None}


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__.splitlines()[0])
    sub = top.add_subparsers(dest="command", required=True)
    for name, (module, help_text) in available().items():
        command = sub.add_parser(name, help=help_text)
        command.set_defaults(module=module)
        importlib.import_module(module).add_arguments(command)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return importlib.import_module(args.module).run(args)


if __name__ == "__main__":
    sys.exit(main())
