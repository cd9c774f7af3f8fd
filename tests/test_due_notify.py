"""`ledger notify` against a local HTTP server standing in for the group robots: the body each
robot takes, the 钉钉 signature (timestamp + HMAC-SHA256 of "timestamp\\nsecret", Base64,
URL-encoded, in the query), 企业微信's 4,096-byte Markdown limit (a summary and the board's link
when longer), escaping, retries with back-off and the exit codes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from helpers import cli, setup_units
from test_due import build_store

SECRET = "SEC0123456789abcdef"
AS_OF = ("--as-of", "2021-09-29")


class Robot:
    """A loopback robot: records each request and answers from a script (status, JSON)."""

    def __init__(self, answers: list[tuple[int, dict]] | None = None) -> None:
        self.requests: list[dict] = []
        self.answers = list(answers or [])
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                robot.requests.append({"path": self.path, "body": body, "type": self.headers["Content-Type"]})
                status, answer = robot.answers.pop(0) if robot.answers else (200, {"errcode": 0, "errmsg": "ok"})
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/robot/send?access_token=abc") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def store(db_url, tmp_path):
    return build_store(db_url, tmp_path)


@pytest.fixture
def robot():
    found = Robot()
    yield found
    found.close()


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    monkeypatch.setattr("ledger.workflows.notify.BACKOFF", 0.0)


def test_dingtalk_message_is_signed_in_the_query(store, robot, monkeypatch):
    monkeypatch.setenv("LEDGER_WEBHOOK_SECRET", SECRET)
    before = int(time.time() * 1000)
    run = cli(store, "--lang", "zh", "notify", "--policy", "jingkai-2021", *AS_OF, "--webhook", robot.url(),
              "--robot", "dingtalk", "--board", "https://ledger.example.gov.cn/")
    assert run.code == 0, run.err
    [request] = robot.requests
    path, _, query = request["path"].partition("?")
    params = urllib.parse.parse_qs(query, strict_parsing=True)
    assert path == "/robot/send" and params["access_token"] == ["abc"]
    timestamp = int(params["timestamp"][0])
    assert before <= timestamp <= int(time.time() * 1000)
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest())
    assert params["sign"] == [expected.decode()]
    raw_sign = query.split("sign=", 1)[1]
    assert raw_sign == urllib.parse.quote_plus(expected.decode())  # URL-encoded: + / = escaped
    body = json.loads(request["body"])
    assert request["type"].startswith("application/json")
    assert body["msgtype"] == "markdown" and set(body["markdown"]) == {"title", "text"}
    text = body["markdown"]["text"]
    assert body["markdown"]["title"].startswith("预警：吉林经开区2021年")
    assert "**黄灯 发改局** (jk-fgj)" in text and "督办事项 DB-GQ-01：国庆前遗留问题清零，风险 -1 分" in text
    assert "https://ledger.example.gov.cn/due?policy=jingkai-2021%401&as_of=2021-09-29" in text


def test_wecom_markdown_stays_within_4096_bytes(db_url, tmp_path, robot):
    """Sixty units with long (and hostile) names, each missing its reports: the whole list is far
    over 4,096 bytes, so the message is the counts, the units that fit and the link."""
    hostile = "**<b>加粗</b>** | [点我](http://evil.example) # `代码` _斜_"
    rows = "".join(f"jk-u{i:02d},{hostile}{'很长的单位名称' * 8}{i},jingkai-unit,\n" for i in range(60))
    setup_units(db_url, tmp_path, "id,name,groups,divisions\n" + rows)
    run = cli(db_url, "--lang", "zh", "notify", "--policy", "jingkai-2021", "--as-of", "2021-03-02", "--webhook",
              robot.url("/cgi-bin/webhook/send?key=k1"), "--robot", "wecom", "--board", "http://board.local")
    assert run.code == 0, run.err
    body = json.loads(robot.requests[0]["body"])
    assert set(body) == {"msgtype", "markdown"} and set(body["markdown"]) == {"content"}
    content = body["markdown"]["content"]
    assert len(content.encode("utf-8")) <= 4096
    assert "红灯 60 个" in content and "另有" in content and "http://board.local/due?policy=jingkai-2021%401" in content
    assert "<b>" not in content and "&lt;b&gt;" in content
    assert "[点我](" not in content and "\\[点我\\](http://evil" in content  # shown, never a link
    assert "\\*\\*" in content and "\\|" in content
    assert "timestamp=" not in robot.requests[0]["path"]  # 企业微信 is not signed


def test_a_refusal_exits_1_and_a_server_error_is_retried(store, robot):
    robot.answers = [(500, {}), (200, {"errcode": 0, "errmsg": "ok"})]
    run = cli(store, "notify", "--policy", "jingkai-2021", *AS_OF, "--webhook", robot.url(), "--robot", "dingtalk")
    assert run.code == 0 and len(robot.requests) == 2
    robot.answers = [(200, {"errcode": 310000, "errmsg": "sign not match"})]
    run = cli(store, "notify", "--policy", "jingkai-2021", *AS_OF, "--webhook", robot.url(), "--robot", "dingtalk")
    assert run.code == 1 and "310000" in run.err and "sign not match" in run.err
    assert len(robot.requests) == 3  # a refusal is not retried


def test_an_unreachable_robot_exits_1_after_the_retries(store):
    gone = Robot()
    url = gone.url()
    gone.close()
    run = cli(store, "notify", "--policy", "jingkai-2021", *AS_OF, "--webhook", url, "--robot", "wecom")
    assert run.code == 1 and "3" in run.err and "Traceback" not in run.err


def test_dry_run_prints_the_body_and_posts_nothing(store, robot):
    run = cli(store, "notify", "--policy", "jingkai-2021", *AS_OF, "--webhook", robot.url(), "--robot", "wecom",
              "--dry-run")
    assert run.code == 0 and robot.requests == []
    body = json.loads(run.out)
    assert body["msgtype"] == "markdown" and "发改局" in body["markdown"]["content"]


@pytest.mark.parametrize("webhook, extra, field", [
    ("ftp://127.0.0.1/x", (), "--webhook"),
    ("https://robot.example.com/send", (), "--robot"),  # neither robot's host, and no --robot
])
def test_bad_webhooks_exit_2(store, webhook, extra, field):
    run = cli(store, "notify", "--policy", "jingkai-2021", "--webhook", webhook, *extra)
    assert run.code == 2 and field in run.err and "Traceback" not in run.err, run.err


def test_the_robots_hosts_choose_the_robot():
    from ledger.workflows.notify import robot_for

    assert robot_for("https://oapi.dingtalk.com/robot/send?access_token=x", None).name == "dingtalk"
    assert robot_for("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", None).limit == 4096


def test_a_long_list_is_cut_at_whole_units(tmp_path):
    """The message builder alone: whatever the limit, at most that many bytes, and a unit's
    heading never without its items."""
    import datetime as dt

    from ledger.policies.registry import bundled_entries
    from ledger.projections.due import DueItem, DueList, UnitLight
    from ledger.reports.due import message_text

    policy = next(e for e in bundled_entries() if e.id == "jingkai-2021").policy()

    class View:
        known_at, head = 1, (1, "0" * 64)

    units = [UnitLight(f"u{i}", f"单位{i}" * 5, "red", 1, 0) for i in range(40)]
    items = [DueItem(f"u{i}", "main", "daily.8", "report", "报送工作动态信息 2021-08", dt.date(2021, 8, 31),
                     "overdue", None) for i in range(40)]
    due = DueList(policy, dt.date(2021, 9, 29), 10, dt.date(2021, 10, 19), View(), items, units)  # type: ignore[arg-type]
    for limit in (600, 1000, 4096):
        text = message_text(due, "http://b", limit)
        assert len(text.encode()) <= limit
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if line.startswith("**"):
                assert lines[i + 1].startswith("- "), text
    assert "u39" in message_text(due, None, 100_000)
