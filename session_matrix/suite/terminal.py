"""What the terminal shows while the configurations run: a line as each starts and ends, and
a status line of how far along the running ones are."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import TextIO

__all__ = ["StatusLine"]


class StatusLine:
    """Lines about the runs, and the running configurations' progress: a line redrawn in
    place on a terminal, otherwise printed every ``every`` seconds when it changed."""

    def __init__(self, stream: TextIO, every: float = 10.0) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.every = every
        self._shown = ("", 0.0)
        self._lock = threading.Lock()

    def show(self, text: str) -> None:
        with self._lock, contextlib.suppress(BrokenPipeError):  # SIGPIPE stops the run
            if self.tty:
                self.stream.write(f"\r\x1b[K  running: {text}" if text else "\r\x1b[K")
                self.stream.flush()
                return
            now = time.monotonic()
            if text and text != self._shown[0] and now - self._shown[1] >= self.every:
                print(f"  running: {text}", file=self.stream, flush=True)
                self._shown = (text, now)

    def line(self, text: str) -> None:
        with self._lock, contextlib.suppress(BrokenPipeError):
            if self.tty:
                self.stream.write("\r\x1b[K")
            print(text, file=self.stream, flush=True)


def __dir__() -> list[str]:
    return __all__
