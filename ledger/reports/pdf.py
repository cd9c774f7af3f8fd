"""PDF documents: the ledger's own HTML page printed by headless Chromium.

One engine, named in README.md as a runtime dependency for ``--format pdf``: Debian's
``chromium`` (or ``chromium-browser``, ``google-chrome``; ``LEDGER_CHROMIUM`` names another),
with a CJK font (``fonts-noto-cjk`` or ``fonts-wqy-zenhei``) so that Chinese is embedded, not
drawn as boxes. The page's own CSS sets A4 and the page numbers (``@page``, margin boxes);
``--no-pdf-header-footer`` leaves out the browser's date, title, file path and page header.
The browser runs offline on a file in a private temporary folder with a throwaway profile;
the page has no scripts and loads nothing.

Missing the browser or a CJK font is an input error (exit 2) naming what to install, never a
traceback; so is a browser that fails or hangs (the message carries its last words).

Renders are bounded (issue #24): one Chromium print costs ~0.5 GB across its ~11 processes, so
at most ``RenderSlots.total`` run at once in a process (default 2; ``ledger serve --renders``),
at most ``per_owner`` of them for one user (the web's signed-in account, ``render_owner``);
others wait in line up to ``wait`` seconds (at most ``queue`` of them), then ``RenderBusy``
(the web answers 503 with Retry-After).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import glob
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from ..errors import LedgerError
from ..i18n import Msg

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
ENV = "LEDGER_CHROMIUM"
TIMEOUT = 120
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-quic", "--no-pdf-header-footer"]
CJK_FILES = ("wqy", "noto*cjk", "notoserifcjk", "notosanscjk", "sourcehan", "droidsansfallback", "uming", "ukai",
             "simsun", "simhei", "msyh", "pingfang", "fang", "hei")
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts")


class EngineMissing(LedgerError):
    """What ``--format pdf`` needs is not installed, or the browser failed (exit 2)."""


class RenderBusy(LedgerError):
    """Every render slot stayed taken for the whole wait (the web: 503 with Retry-After)."""

    exit_code = 3

    def __init__(self, message: str, wait: float):
        super().__init__(message)
        self.retry_after = max(1, int(wait + 0.999))
        """Seconds to wait before asking again (the Retry-After header): the wait, at least 1."""


render_owner: ContextVar[str | None] = ContextVar("ledger_render_owner", default=None)
"""Whose render this is (the web sets the signed-in account): the per-owner limit counts by it."""


class RenderSlots:
    """At most ``total`` Chromium renders at once, ``per_owner`` per owner; others wait in a
    line of at most ``queue`` for up to ``wait`` seconds, then ``RenderBusy``."""

    def __init__(self, total: int = 2, per_owner: int = 1, wait: float = 30.0, queue: int = 16):
        self.total, self.per_owner, self.wait, self.queue = total, per_owner, wait, queue
        self._cond = threading.Condition()
        self._running = 0
        self._waiting = 0
        self._owners: Counter[str | None] = Counter()

    @contextmanager
    def slot(self, owner: str | None = None) -> Iterator[None]:
        deadline = time.monotonic() + self.wait
        with self._cond:
            if self._free(owner):
                self._take(owner)
            else:
                if self._waiting >= self.queue:
                    raise RenderBusy(Msg("{n} PDF documents are waiting to be made: try again shortly",
                                         n=self._waiting), self.wait)
                self._waiting += 1
                try:
                    while not self._free(owner):
                        left = deadline - time.monotonic()
                        if left <= 0:
                            raise RenderBusy(Msg("every PDF slot stayed busy for {seconds} s: try again shortly",
                                                 seconds=f"{self.wait:g}"), self.wait)
                        self._cond.wait(left)
                finally:
                    self._waiting -= 1
                self._take(owner)
        try:
            yield
        finally:
            with self._cond:
                self._running -= 1
                self._owners[owner] -= 1
                self._cond.notify_all()

    def _free(self, owner: str | None) -> bool:
        return self._running < self.total and (owner is None or self._owners[owner] < self.per_owner)

    def _take(self, owner: str | None) -> None:
        self._running += 1
        self._owners[owner] += 1

    @property
    def running(self) -> int:
        return self._running


SLOTS = RenderSlots()
"""This process's render slots (``configure`` sets them: ``ledger serve`` options)."""


def configure(total: int = 2, per_owner: int = 1, wait: float = 30.0, queue: int = 16) -> RenderSlots:
    """Set this process's render bound (``ledger serve --renders/--renders-per-user/--render-wait``)."""
    global SLOTS
    SLOTS = RenderSlots(total, per_owner, wait, queue)
    return SLOTS


NO_BROWSER = ("PDF needs headless Chromium, which is not installed: install it (Debian/Ubuntu: apt-get install "
              "chromium) or set LEDGER_CHROMIUM to a Chromium or Chrome program")
NO_FONT = ("PDF needs a Chinese (CJK) font, and none is installed: install one (Debian/Ubuntu: apt-get install "
           "fonts-noto-cjk or fonts-wqy-zenhei)")
FAILED = "Chromium could not print the PDF"


def browser() -> str:
    """The Chromium program: ``LEDGER_CHROMIUM`` or the first of BROWSERS on the PATH."""
    chosen = os.environ.get(ENV)
    if chosen:
        found = shutil.which(chosen)
        if found:
            return found
        raise EngineMissing(NO_BROWSER)
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise EngineMissing(NO_BROWSER)


def has_cjk_font() -> bool:
    """A font that covers Chinese: fontconfig's answer (``fc-list :lang=zh``) when it is
    installed, else a look for the usual CJK font files."""
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            out = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=30)
            return bool(out.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    for folder in FONT_DIRS:
        for path in glob.glob(os.path.join(os.path.expanduser(folder), "**", "*"), recursive=True):
            name = os.path.basename(path).lower().replace("-", "").replace("_", "").replace(" ", "")
            if name.endswith((".ttf", ".ttc", ".otf", ".otc")) and any(
                    fnmatch.fnmatch(name, f"*{pattern}*") for pattern in CJK_FILES):
                return True
    return False


def html_to_pdf(page: str) -> bytes:
    """The PDF of a self-contained HTML page (A4 and page numbers come from its CSS)."""
    with SLOTS.slot(render_owner.get()):
        return _print(page)


def _print(page: str) -> bytes:
    program = browser()
    if not has_cjk_font():
        raise EngineMissing(NO_FONT)
    with tempfile.TemporaryDirectory(prefix="ledger-pdf-") as folder:
        source, target = Path(folder) / "page.html", Path(folder) / "page.pdf"
        source.write_text(page, encoding="utf-8")
        command = [program, *FLAGS, f"--user-data-dir={Path(folder) / 'profile'}", f"--print-to-pdf={target}",
                   source.as_uri()]
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT,
                                 stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise EngineMissing(f"{FAILED} (no answer in {TIMEOUT} s)") from None
        except OSError as exc:
            raise EngineMissing(f"{FAILED}: {exc}") from None
        if not target.is_file() or target.stat().st_size == 0:
            last = [line for line in (run.stderr or "").splitlines() if line.strip()][-1:]
            raise EngineMissing(f"{FAILED} (exit {run.returncode}{': ' + last[0] if last else ''})")
        return target.read_bytes()


_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:\d{14}[^)]{0,7}\)")
_NODE = re.compile(rb"\(node(\d+)\)")


def stable(data: bytes, when: dt.datetime) -> bytes:
    """The PDF made reproducible: its CreationDate and ModDate set to ``when`` (naive UTC)
    instead of the moment Chromium printed it, and the tagged structure's element ids
    (``node00000016``: DOM node numbers, which shift from one run to the next) renumbered
    1, 2, … in their order. Skia writes no document /ID; every replacement keeps its length,
    so the cross-reference offsets stay right. Byte-stable for one Chromium and one set of
    fonts; another Chromium may lay out other bytes (verify-publication then compares text)."""
    stamp = when.strftime("%Y%m%d%H%M%S").encode()

    def date(match: re.Match[bytes]) -> bytes:
        name, old = match.group(1), match.group(0)
        new = b"/" + name + b" (D:" + stamp + b"+00'00')"
        return new if len(new) == len(old) else old[:len(name) + 5] + stamp + old[len(name) + 19:]

    numbers = sorted({int(n) for n in _NODE.findall(data)})
    order = {n: i for i, n in enumerate(numbers, start=1)}  # the i-th smallest is ≥ i: it fits its width

    def node(match: re.Match[bytes]) -> bytes:
        digits = match.group(1)
        return b"(node" + str(order[int(digits)]).zfill(len(digits)).encode() + b")"

    return _NODE.sub(node, _DATE.sub(date, data))
