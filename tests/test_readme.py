"""The README opens with the two commands, and CI runs exactly the second one."""

import re

from tests.helpers import ROOT


def readme_commands():
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", text, re.DOTALL)
    assert block.start() < text.index("\n## "), "the commands open the README"
    block = block.group(1)
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.strip()]


def test_readme_opens_with_regenerate_and_test_commands():
    regenerate, test = readme_commands()
    assert regenerate == "uvx nox"
    assert "tests" in test.split()


def test_ci_runs_exactly_the_readme_test_command():
    script = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert script[-1] == readme_commands()[1]
