"""Keep the README honest: its first commands and every setting read from the
environment."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_readme_starts_with_the_two_commands():
    first_block = README.split("```", 2)[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:]]
    assert [command for command in commands if command] == ["make run", "make test"]


def test_every_environment_setting_is_documented():
    settings_source = (ROOT / "editorial" / "settings.py").read_text()
    names = set(re.findall(r'(?:environ\.get|env_bool|env_list)\(\s*"([A-Z_]+)"', settings_source))
    assert {"SECRET_KEY", "DEBUG", "MEDIA_ROOT"} <= names
    names.add("DATABASE_URL")  # read by dj-database-url
    missing = sorted(name for name in names if f"`{name}`" not in README)
    assert not missing, f"settings not documented in README.md: {missing}"
