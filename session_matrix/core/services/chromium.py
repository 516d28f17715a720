"""Chromium for the browser patterns: Debian's package, never a downloaded browser.

Optional: every column is offered it. Without it, the browser patterns read
*not run: no Chromium …* (they call ``session_matrix.core.overlay.require("chromium")``).
"""

from __future__ import annotations

import contextlib
import re
import subprocess
from collections.abc import Iterator
from typing import ClassVar

from session_matrix.core.services import EnvAddress, Given, ServiceUnavailable

__all__ = ["Chromium"]


class Chromium(EnvAddress):
    name: ClassVar[str] = "chromium"
    env_var: ClassVar[str] = "CHROMIUM"
    default: ClassVar[str] = "chromium"
    placeholders: ClassVar[tuple[str, ...]] = ("chromium",)
    lost_on: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[bool] = True

    @contextlib.contextmanager
    def provide(self, label: str) -> Iterator[Given]:
        path = self.binary("Chromium", "chromium")
        try:
            version = subprocess.run(
                [path, "--version"], capture_output=True, text=True, timeout=30, check=True
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError) as exc:
            msg = f"Chromium at {path} does not start ({type(exc).__name__}: {exc})"
            raise ServiceUnavailable(msg) from exc
        number = re.search(r"\d+(?:\.\d+)+", version)
        yield Given(values={"chromium": path}, version=number.group(0) if number else version)


PROVIDER = Chromium()


def __dir__() -> list[str]:
    return __all__
