"""The header every benchmark prints before its figures: when it ran, how loaded the machine
was, the exact command, and the machine and code it ran on — so a figure quoted in
docs/performance.md can be traced to a run and compared with a later one."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import shlex
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _memory_gib() -> str:
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return "?"
    return f"{pages * size / 2**30:.0f} GiB"


def _commit() -> str:
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"
    return f"{head}{' + uncommitted changes' if dirty else ''}" if head else "?"


def command_line() -> str:
    """The command as typed: the interpreter, relative to the current directory when inside it, and
    its arguments."""
    argv = list(getattr(sys, "orig_argv", [sys.executable, *sys.argv]))
    try:
        argv[0] = os.path.relpath(argv[0]) if Path(argv[0]).resolve().is_relative_to(Path.cwd()) else argv[0]
    except ValueError:
        pass
    return shlex.join(argv)


def print_header() -> None:
    """Date, load average, command, machine and commit, one per line, then a blank line."""
    one, five, fifteen = os.getloadavg()
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    print(f"date:         {now}")
    print(f"load average: {one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min; {os.cpu_count()} cores)")
    print(f"command:      {command_line()}")
    print(f"machine:      {os.cpu_count()} cores, {_memory_gib()}, {platform.system()} {platform.machine()}, "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    print(f"commit:       {_commit()}")
    print(flush=True)


@contextlib.contextmanager
def scratch_database(server: str, prefix: str) -> Iterator[str]:
    """A fresh database on the PostgreSQL server of ``server`` (a URL), dropped afterwards: its URL."""
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(server)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# A peak RSS read by ``wait4`` from this process's child is at least this process's own RSS when
# it spawned the child (Linux keeps the parent's high-water mark across fork and exec, and
# subprocess forks with vfork): a benchmark that built a store in-process reported the store
# builder's memory as the command's. The command is therefore started by a small launcher,
# whose child starts from the launcher's few MB; the launcher reports that child's own figures.
_LAUNCHER = """
import json, os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    json.dump({"cpu": usage.ru_utime + usage.ru_stime, "rss_kib": usage.ru_maxrss,
               "code": os.waitstatus_to_exitcode(status)}, out)
sys.exit(0)
"""


def run_measured(command: list[str], *, env: dict[str, str] | None = None, stdout: int | None = None,
                 stderr: int | None = None, cwd: str | None = None
                 ) -> tuple[float, float, float, int, bytes, bytes]:
    """``command`` as a new process: (wall seconds, CPU seconds of it and the children it waited
    for, its peak RSS in MiB — its own, not this process's —, exit code, stdout, stderr)."""
    import json
    import tempfile
    import time

    with tempfile.NamedTemporaryFile(prefix="ledger-bench-run-", suffix=".json", delete=False) as note:
        path = note.name
    try:
        start = time.perf_counter()
        child = subprocess.run([sys.executable, "-c", _LAUNCHER, path, *command], env=env, cwd=cwd,
                               stdout=stdout, stderr=stderr, check=False)
        wall = time.perf_counter() - start
        with open(path) as handle:
            said = json.load(handle)
    finally:
        os.unlink(path)
    return (wall, float(said["cpu"]), said["rss_kib"] / 1024, int(said["code"]), child.stdout or b"",
            child.stderr or b"")
