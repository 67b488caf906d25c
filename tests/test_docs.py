"""The README describes every command, option and Settings key (sqlite-utils' docs guard)."""

from pathlib import Path

import pytest
import typer.main

from leadbook.cli import app
from leadbook.core.settings import KEYS

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
COMMAND = typer.main.get_command(app)


@pytest.mark.parametrize("name", sorted(COMMAND.commands))
def test_every_command_and_option_is_in_the_readme(name):
    assert f"leadbook {name}" in README
    for param in COMMAND.commands[name].params:
        if param.param_type_name == "option":
            for opt in param.opts + param.secondary_opts:
                assert opt in README, f"{name} {opt}"


@pytest.mark.parametrize("key", KEYS)
def test_every_settings_key_is_in_the_readme(key):
    assert f"| {key} |" in README


def test_quick_start_commands_are_the_ones_ci_runs():
    ci = (Path(__file__).parents[1] / ".ci" / "run").read_text()
    assert "python -m pytest -q" in ci and ".venv/bin/python -m pytest -q" in README
    assert "leadbook demo" in README
