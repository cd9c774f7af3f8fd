"""The web workbench (issue #20, ../shared/spec/WEB.md): ``ledger serve``.

``create_app(url, …)`` returns the Starlette application; see ``app.Workbench``.
"""

from __future__ import annotations

from typing import Any


def create_app(url: Any, **options: Any) -> Any:
    from .app import Workbench

    return Workbench(url, **options).app()


__all__ = ["create_app"]
