"""The terminal view of one running script: its current step and the time."""

from __future__ import annotations

import threading
import time

from ..runner import step_banner


def clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class StepView:
    """Follows a script's step banners.

    On a terminal one status line is rewritten every second (step and
    elapsed time); otherwise each new step is one plain line, so a batch
    log stays readable.
    """

    def __init__(self, name: str, stream):
        self.name = name
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.start = time.monotonic()
        self.step = "starting CASA"
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._ticker = threading.Thread(target=self._tick, daemon=True)

    def __enter__(self) -> StepView:
        self.start = time.monotonic()
        if self.tty:
            self._ticker.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self.tty:
            self._ticker.join()
            self._draw(final=True)

    def status(self) -> str:
        return f"[{clock(time.monotonic() - self.start)}] {self.name}: {self.step}"

    def line(self, text: str) -> None:
        banner = step_banner(text)
        if banner is None:
            return
        with self._lock:
            self.step = f"step {banner[0]}: {banner[1]}"
        if self.tty:
            self._draw()
        else:
            print(self.status(), file=self.stream, flush=True)

    def _draw(self, final: bool = False) -> None:
        with self._lock:
            text = self.status()
        self.stream.write("\r\033[K" + text + ("\n" if final else ""))
        self.stream.flush()

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            self._draw()
