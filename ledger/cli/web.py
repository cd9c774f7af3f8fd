"""Web accounts and the web workbench: `users add|list|disable`, `serve`."""

from __future__ import annotations

import sys

import click

from .. import i18n
from ..errors import InputError
from ..reports.words import value
from .base import Context, format_option, main, pass_ctx, show


@main.group()
def users() -> None:
    """Web accounts (ledger records: added, given a password, disabled — never edited)."""


def _password(password_file: str | None) -> str:
    if password_file:
        with open(password_file, encoding="utf-8") as handle:
            text = handle.read()
        return text.splitlines()[0] if text.strip() else ""
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return str(click.prompt("password", hide_input=True, confirmation_prompt=True))


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["office", "inspector", "unit"]),
              help="office (考核办), inspector (纪检) or unit (被考核单位)")
@click.option("--unit", help="the unit of a unit account")
@click.option("--password-file", "password_file", metavar="FILE",
              help="read the password from the first line of FILE (default: prompt, or standard input)")
@pass_ctx
def users_add(c: Context, name: str, role: str, unit: str | None, password_file: str | None) -> None:
    """Add a web account (a disabled one may be added again, e.g. with another role)."""
    from .. import accounts

    revision = accounts.add(c.ledger, name, role, _password(password_file), unit=unit)
    role_text = value("role", role) + (i18n.f(" of {unit}", unit=unit) if unit else "")
    click.echo(i18n.f("user {name} ({role}) revision {revision}", name=name, role=role_text, revision=revision))


@users.command("password")
@click.argument("name")
@click.option("--password-file", "password_file", metavar="FILE",
              help="read the password from the first line of FILE (default: prompt, or standard input)")
@pass_ctx
def users_password(c: Context, name: str, password_file: str | None) -> None:
    """Give an account a new password (a new record)."""
    from .. import accounts

    revision = accounts.set_password(c.ledger, name, _password(password_file))
    click.echo(i18n.f("user {name}: new password, revision {revision}", name=name, revision=revision))


@users.command("list")
@format_option("users")
@pass_ctx
def users_list(c: Context, fmt: str) -> None:
    """Accounts with role, unit and whether active (never a password or its hash)."""
    from .. import accounts

    show("users", fmt, accounts.accounts(c.ledger))


@users.command("disable")
@click.argument("name")
@pass_ctx
def users_disable(c: Context, name: str) -> None:
    from .. import accounts

    revision = accounts.disable(c.ledger, name)
    click.echo(i18n.f("user {name} disabled, revision {revision}", name=name, revision=revision))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="bind address (loopback unless told)")
@click.option("--port", default=8080, show_default=True, type=int, help="the port to listen on")
@click.option("--secret-file", "secret_file", metavar="FILE",
              help="the session secret (default: LEDGER_WEB_SECRET, else a file beside the store)")
@click.option("--workers", default=4, show_default=True, type=int,
              help="store connections shared by the reading requests")
@click.option("--writers", default=2, show_default=True, type=click.IntRange(1, 16),
              help="store connections for web writes (publish, appeals, users)")
@click.option("--write-wait", "write_wait", default=10, show_default=True, type=click.IntRange(1, 600),
              metavar="SECONDS", help="how long a web write waits for the write lock before answering 503")
@click.option("--server-name", "server_names", multiple=True, metavar="NAME",
              help="a name the server answers to (the Host browsers send, e.g. the TLS proxy's); repeatable. "
                   "Other Host headers are refused")
@click.option("--proxy", "proxies", multiple=True, metavar="ADDRESS",
              help="the address of a reverse proxy whose X-Forwarded-For is believed; repeatable")
@click.option("--secure-cookies", "secure_cookies", is_flag=True,
              help="send cookies only over HTTPS (behind a TLS proxy)")
@click.option("--basic-ttl", "basic_ttl", default=60, show_default=True, type=click.IntRange(0, 3600),
              metavar="SECONDS", help="how long HTTP Basic credentials, once checked, are believed without hashing "
                                      "them again (0: hash on every request)")
@click.option("--max-body", "max_body", default=25, show_default=True, type=click.IntRange(min=1), metavar="MB",
              help="largest request body of a signed-in user, in MB (larger: 413 before it is read)")
@click.option("--renders", default=2, show_default=True, type=click.IntRange(min=1), metavar="N",
              help="PDF documents made at once (each runs Chromium, ~0.5 GB); others wait, then 503")
@click.option("--renders-per-user", "renders_per_user", default=1, show_default=True, type=click.IntRange(min=1),
              metavar="N", help="PDF documents one user may have made at once")
@click.option("--render-wait", "render_wait", default=30, show_default=True, type=click.IntRange(min=0),
              metavar="S", help="seconds a PDF request waits for a free render before 503")
@pass_ctx
def serve(c: Context, host: str, port: int, secret_file: str | None, workers: int, writers: int, write_wait: int,
          server_names: tuple[str, ...], proxies: tuple[str, ...], secure_cookies: bool, basic_ttl: int,
          max_body: int, renders: int, renders_per_user: int, render_wait: int) -> None:
    """The web workbench: score tables, unit cards, events, appeals, publications, the log."""
    import ipaddress

    import uvicorn

    from ..web import create_app
    from ..web.edge import served_names

    secret = None
    if secret_file:
        with open(secret_file, encoding="utf-8") as handle:
            secret = handle.read().strip()
        if not secret:
            raise InputError("a file holding the secret", field="--secret-file")
    for proxy in proxies:
        try:
            ipaddress.ip_address(proxy)
        except ValueError:
            raise InputError("an IP address (the proxy's, as the server sees it)", field="--proxy",
                             got=repr(proxy)) from None
    names = served_names(host, server_names)
    if not names:
        raise InputError("--server-name NAME: the names this server answers to (it listens on every address)",
                         field="--server-name")
    c.ledger.head()  # the store is there and readable before we listen
    from .. import signing

    signing.startup_check(c.ledger.store)  # a store behind or beside what the office signed: refused
    from ..web.limits import MB

    app = create_app(c.ledger.url, secret=secret, pool_size=workers, writers=writers, write_wait=write_wait,
                     hosts=names, proxies=proxies, secure_cookies=secure_cookies, basic_ttl=basic_ttl,
                     max_body=max_body * MB, renders=renders, renders_per_user=renders_per_user,
                     render_wait=float(render_wait))
    click.echo(i18n.f("ledger serve: {url} ({store})", url=f"http://{host}:{port}/", store=c.ledger.url.display),
               err=True)
    # X-Forwarded-For is read by the workbench itself, from --proxy addresses only (uvicorn's own
    # reading would believe 127.0.0.1, i.e. anyone on the machine).
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, proxy_headers=False,
                server_header=False)
