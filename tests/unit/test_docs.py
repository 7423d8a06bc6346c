"""Every setting, error code and CLI command is documented; these tests fail when one is not."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from clickproof.cli.main import app
from clickproof.config import Settings

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "clickproof"


def test_every_setting_is_documented() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text()
    missing = [name for name in Settings.model_fields if f"CLICKPROOF_{name.upper()}" not in text]
    assert missing == []


def test_every_error_code_is_documented() -> None:
    text = (ROOT / "docs" / "errors.md").read_text()
    codes: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        source = path.read_text()
        codes.update(re.findall(r'\bcode = "([a-z_]+)"', source))
        codes.update(re.findall(r'\bcode="([a-z_]+)"', source))
        codes.update(re.findall(r'\d{3}: "([a-z_]+)"', source))
        codes.update(re.findall(r'_json\(\s*\d{3},\s*"([a-z_]+)"', source))
    assert len(codes) > 20
    missing = sorted(c for c in codes if f"`{c}`" not in text)
    assert missing == []


def test_every_cli_command_is_documented() -> None:
    text = (ROOT / "docs" / "cli.md").read_text()
    group = typer.main.get_command(app)
    names: list[str] = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        sub = getattr(command, "commands", None)
        names.extend(f"clickproof {name} {s}" for s in sub) if sub else names.append(f"clickproof {name}")
    assert len(names) >= 6
    missing = [n for n in names if n not in text]
    assert missing == []
