"""The README opens with the two commands, and CI runs exactly the second one (the module
table lives in CONTRIBUTING.md: tests/test_contributing.py)."""

import os
import re
import subprocess

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


def test_ci_asks_the_mariadb_of_mysql_url_with_its_user_and_password():
    """.ci/run waits for the MariaDB the columns will use: the host, port, user and password
    of MYSQL_URL (it asked root@127.0.0.1 without a password whatever MYSQL_URL said, and
    gave up on a server that needs one)."""
    script = (ROOT / ".ci" / "run").read_text()
    probe = re.search(r"# mariadb-probe:begin.*?\n(.*)# mariadb-probe:end", script, re.DOTALL)
    assert probe, ".ci/run no longer marks its MariaDB probe"

    def answers(url):
        done = subprocess.run(
            ["bash", "-c", probe.group(1) + "mariadb_ping"],
            env=os.environ | {"MYSQL_URL": url},
            capture_output=True,
            check=False,
        )
        return done.returncode == 0

    assert answers("mysql://root@127.0.0.1:3306/test")  # this project's machines
    assert not answers("mysql://root@127.0.0.1:1/test")  # the port is used
    assert not answers("mysql://root:sm-wrong@127.0.0.1:3306/test")  # so is the password
