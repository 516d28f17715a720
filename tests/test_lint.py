"""``session-matrix lint``: detectors on ordinary test code, its output and its exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from session_matrix.core import catalogue, detect
from session_matrix.core.model import Pattern
from session_matrix.lint import main
from tests.helpers import DEFAULTS, ROOT

NAIVE = "SeedTests::test_naive_save"


def _lint(tmp_path, capsys, source, *args):
    path = tmp_path / "test_mine.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    code = main([str(path), *args])
    return code, capsys.readouterr()


def _findings(tmp_path, capsys, source, *args):
    code, out = _lint(tmp_path, capsys, source, "--format", "json", *args)
    return code, json.loads(out.out)["findings"]


def test_the_naive_save_in_a_testcase_through_an_alias(tmp_path, capsys):
    code, found = _findings(
        tmp_path,
        capsys,
        """
        from django.test import TestCase

        class CartTests(TestCase):
            def test_cart(self):
                s = self.client.session
                s["cart"] = [1]
                s.save()
                response = self.client.get("/cart/")
                self.assertEqual(response.status_code, 200)
        """,
    )
    assert code == 1
    assert [(f["test"], f["pattern"].endswith(NAIVE), f["line"]) for f in found] == [
        ("CartTests::test_cart", True, 8)
    ]
    assert found[0]["fails_on"] == ["signed_cookies"]


def test_the_fix_written_is_not_flagged(tmp_path, capsys):
    code, found = _findings(
        tmp_path,
        capsys,
        """
        def test_cart(client, settings):
            s = client.session
            s["cart"] = [1]
            s.save()
            client.cookies[settings.SESSION_COOKIE_NAME] = s.session_key
            assert client.get("/cart/").status_code == 200
        """,
    )
    assert (code, found) == (0, [])


def test_helpers_fixtures_setup_and_other_clients(tmp_path, capsys):
    code, found = _findings(
        tmp_path,
        capsys,
        """
        import pytest
        from rest_framework.test import APIClient
        from django.test import Client, TestCase

        def seed(session, value):
            session["cart"] = value
            session.save()

        @pytest.fixture
        def api():
            return APIClient()

        def test_admin(admin_client):
            s = admin_client.session
            seed(s, [1])
            admin_client.get("/cart/")

        def test_api(api):
            s = api.session
            s["cart"] = [1]
            s.save()
            api.post("/cart/", {})

        class Mine(TestCase):
            def setUp(self):
                self.browser = Client()

            def test_own_client(self):
                s = self.browser.session
                s["cart"] = [1]
                s.save()
                self.browser.get("/cart/")
        """,
    )
    assert code == 1
    assert sorted(f["test"] for f in found) == ["Mine::test_own_client", "test_admin", "test_api"]
    helper = next(f for f in found if f["test"] == "test_admin")
    assert helper["line"] == 8  # the save() inside the helper


# A mixin in a module beside the tests, as django-two-factor-auth's tests/utils.py has: its
# login helper logs in, then edits client.session and save()s with no cookie update.
MIXIN = """
from django_otp import DEVICE_ID_SESSION_KEY


class UserMixin:
    def login_user(self, device):
        assert self.client.login(username="bouke", password="secret")
        session = self.client.session
        session[DEVICE_ID_SESSION_KEY] = device
        session.save()
"""
INHERITS = """
from django.test import TestCase

from {source} import UserMixin


class ProfileTests(UserMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.other = 1

    def test_profile(self):
        self.login_user("otp/1")
        response = self.client.get("/profile/")
        self.assertEqual(response.status_code, 200)


class SetUpTests(UserMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.login_user("otp/1")

    def test_profile(self):
        self.assertEqual(self.client.get("/profile/").status_code, 200)
"""


@pytest.mark.parametrize("source", [".utils", "tests.utils"], ids=["relative", "absolute"])
def test_helpers_inherited_from_a_mixin_in_another_module(tmp_path, capsys, source):
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "__init__.py").write_text("")
    (tests / "utils.py").write_text(MIXIN)
    (tests / "test_profile.py").write_text(INHERITS.format(source=source))
    code = main([str(tests), "--format", "json"])
    found = json.loads(capsys.readouterr().out)["findings"]
    assert code == 1
    # Each found where the test calls the helper: a line of the test's own file.
    assert [(f["path"].rsplit("/", 1)[-1], f["test"], f["line"]) for f in found] == [
        ("test_profile.py", "ProfileTests::test_profile", 13),
        ("test_profile.py", "SetUpTests::test_profile", 21),
    ]
    assert all(f["pattern"].endswith(NAIVE) for f in found)
    # Without the module it comes from, nothing can be read: nothing is claimed.
    (tests / "utils.py").unlink()
    assert main([str(tests)]) == 0
    capsys.readouterr()


def test_a_base_class_in_the_same_module_lends_its_helpers(tmp_path, capsys):
    code, found = _findings(
        tmp_path, capsys, MIXIN + INHERITS.replace("from {source} import UserMixin", "")
    )
    assert code == 1
    assert [f["test"] for f in found] == ["ProfileTests::test_profile", "SetUpTests::test_profile"]


def test_engines_named_decide_what_is_reported(tmp_path, capsys):
    source = """
    def test_cart(client):
        s = client.session
        s["cart"] = [1]
        s.save()
        client.get("/cart/")
    """
    assert _lint(tmp_path, capsys, source, "--engine", "db")[0] == 0
    code, out = _lint(tmp_path, capsys, source, "--engine", "db", "--engine", "signed_cookies")
    assert code == 1
    line = out.out.strip()
    assert line.startswith(f"{tmp_path / 'test_mine.py'}:5:5: SM")
    assert "fails on signed_cookies: after save(), client.cookies[" in line


def test_github_annotations(tmp_path, capsys):
    code, out = _lint(
        tmp_path,
        capsys,
        """
        def test_cart(client):
            s = client.session
            s["cart"] = [1]
            s.save()
            client.get("/cart/")
        """,
        "--format",
        "github",
    )
    assert code == 1
    assert out.out.startswith("::warning file=")
    assert ",line=5,col=5,title=SM" in out.out
    assert "%0AFix: after save()" in out.out


def test_a_file_that_does_not_parse_is_one_line_and_the_rest_goes_on(tmp_path, capsys):
    (tmp_path / "test_broken.py").write_text("def test_x(:\n", encoding="utf-8")
    (tmp_path / "test_naive.py").write_text(
        "def test_x(client):\n    s = client.session\n    s['a'] = 1\n    s.save()\n"
        "    client.get('/')\n",
        encoding="utf-8",
    )
    code = main([str(tmp_path)])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert len(lines) == 2
    assert "test_broken.py:1:" in lines[0]
    assert "does not parse" in lines[0]
    assert "test_naive.py:4:5: SM" in lines[1]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["no/such/dir"], "no such file or folder: no/such/dir"),
        ([".", "--engine", "nosuch"], "nosuch"),
    ],
)
def test_bad_input_exits_2_in_one_line(args, words, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert words in err


def test_defaults_are_the_built_in_engines(tmp_path, capsys):
    code, out = _lint(tmp_path, capsys, "def test_nothing():\n    pass\n", "--format", "json")
    assert code == 0
    assert json.loads(out.out)["configurations"] == DEFAULTS


def test_lint_imports_no_django(tmp_path):
    path = tmp_path / "test_x.py"
    path.write_text("def test_x(client):\n    client.get('/')\n", encoding="utf-8")
    script = (
        "import sys; from session_matrix.lint import main; code = main([sys.argv[1]]); "
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django'; "
        "sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("none", "needs its reason"),
        ("client.session -> session[", "is not \\[del \\]ROOT"),
        ("client.session; sometimes x", "is not 'without ...'"),
        ("*a() -> *b()", "more than one step marked"),
        ("del session.save()", "del takes an item"),
    ],
)
def test_a_detect_line_that_does_not_parse_says_what_is_wrong(text, words):
    with pytest.raises(detect.DetectError, match=words):
        detect.parse(text)


def test_an_unreadable_detector_is_a_catalogue_error_naming_file_test_and_field():
    bad = Pattern(
        id="matrix_tests/test_x.py::test_y",
        path="matrix_tests/test_x.py",
        line=7,
        detect="client.session ->",
    )
    with pytest.raises(catalogue.CatalogueError) as caught:
        catalogue.detectors({bad.id: bad})
    assert str(caught.value).startswith(
        "matrix_tests/test_x.py:7: matrix_tests/test_x.py::test_y: field Detect: "
    )
    orphan = Pattern(id="m/t.py::test_z", path="m/t.py", line=3, detect="like test_gone")
    with pytest.raises(catalogue.CatalogueError, match="names no pattern"):
        catalogue.detectors({orphan.id: orphan})


def test_lint_on_the_sample_project_flags_the_idioms_suite_finds_there(capsys):
    """The sample project's engine-dependent tests that are catalogued idioms (see
    test_suite_end_to_end) are flagged; the export tests, engine-dependent for a reason of
    their own, are not."""
    sample = ROOT / "tests" / "resources" / "sample_project"
    assert main([str(sample / "tests"), "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    assert sorted((f["test"], f["pattern"].rsplit("::", 1)[-1]) for f in found) == [
        ("CheckoutTests::test_checkout_with_a_seeded_cart", "test_naive_save"),
        ("test_cart_survives_clearing_the_cache", "test_cache_clear_keeps_sessions"),
    ]
