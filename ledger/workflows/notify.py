"""Posting the due list to a group robot (钉钉 / 企业微信 webhooks): the message body each robot
takes, the 钉钉 signature (加签), and a post retried with back-off. No scheduler here: cron or
a systemd timer runs `ledger notify` (docs/due.md)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import InputError, LedgerError
from ..i18n import Msg


@dataclass(frozen=True)
class Robot:
    name: str
    host: str
    limit: int
    """The most UTF-8 bytes the robot takes in a Markdown message."""

    def body(self, title: str, text: str) -> dict[str, Any]:
        if self.name == "dingtalk":
            return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
        return {"msgtype": "markdown", "markdown": {"content": text}}


ROBOTS = {
    "dingtalk": Robot("dingtalk", "oapi.dingtalk.com", 20000),
    "wecom": Robot("wecom", "qyapi.weixin.qq.com", 4096),
}
"""企业微信: markdown ``content`` at most 4,096 bytes (its group-robot documentation). 钉钉's
custom robot documents no byte limit for Markdown; 20,000 bytes is what its message body is
commonly held to, kept here so a long list never goes unread."""

ATTEMPTS = 3
BACKOFF = 1.0
"""Seconds before the second attempt, doubled before each later one."""
TIMEOUT = 10.0


class NotDelivered(LedgerError):
    """The robot refused the message (a non-zero errcode) or could not be reached: exit 1."""

    exit_code = 1


def robot_for(webhook: str, name: str | None) -> Robot:
    """The robot named, else the one whose host the webhook is on."""
    parts = urllib.parse.urlsplit(webhook)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError("an http(s) URL (the group robot's webhook)", field="--webhook", got=repr(webhook))
    if name is not None:
        return ROBOTS[name]
    for robot in ROBOTS.values():
        if parts.hostname == robot.host:
            return robot
    raise InputError(Msg("--robot dingtalk or wecom (the webhook's host {host} is neither robot's)",
                         host=parts.hostname), field="--robot")


def sign(secret: str, timestamp_ms: int) -> str:
    """钉钉 加签: Base64 of HMAC-SHA256 over ``timestamp + "\\n" + secret`` keyed by the secret."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_url(webhook: str, secret: str, timestamp_ms: int) -> str:
    """The webhook with ``timestamp`` and ``sign`` (URL-encoded) added to its query."""
    joiner = "&" if urllib.parse.urlsplit(webhook).query else "?"
    query = urllib.parse.urlencode({"timestamp": str(timestamp_ms), "sign": sign(secret, timestamp_ms)})
    return f"{webhook}{joiner}{query}"


def post(robot: Robot, webhook: str, body: dict[str, Any], secret: str | None = None, *,
         attempts: int = ATTEMPTS, backoff: float = BACKOFF, sleep: Callable[[float], None] = time.sleep,
         clock: Callable[[], float] = time.time) -> dict[str, Any]:
    """POST the message; the robot's answer (``errcode`` 0). Retried with back-off when the robot
    cannot be reached or answers 429 or 5xx; a non-zero ``errcode`` is final."""
    data = json.dumps(body, ensure_ascii=False).encode()
    last = ""
    for attempt in range(attempts):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        url = signed_url(webhook, secret, int(clock() * 1000)) if secret and robot.name == "dingtalk" else webhook
        request = urllib.request.Request(url, data=data, method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (http(s) checked)
                answer = json.loads(response.read().decode() or "{}")
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
            if exc.code == 429 or exc.code >= 500:
                continue
            raise NotDelivered(Msg("the robot answered {status}", status=last)) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            last = str(getattr(exc, "reason", exc))
            continue
        if not isinstance(answer, dict) or answer.get("errcode", 0) != 0:
            code = answer.get("errcode") if isinstance(answer, dict) else answer
            message = answer.get("errmsg", "") if isinstance(answer, dict) else ""
            raise NotDelivered(Msg("the robot refused the message: errcode {code} {message}", code=code,
                                   message=message))
        return answer
    raise NotDelivered(Msg("the robot could not be reached after {n} attempts ({last})", n=attempts, last=last))
