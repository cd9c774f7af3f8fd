"""Work done and obligations (培训、报送、检查发现、指标、评议)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from .base import Event, Name, NonNegativeInt, Number, Period, PositiveInt, Text, period_year


class WorkEvent(Event):
    family = "work"


class TrainingSession(WorkEvent):
    """培训/学习"""

    type: Literal["training_session"]
    topic: Text
    attendees: NonNegativeInt | None = None


class ReportSubmitted(WorkEvent):
    """报送 — belongs to the year of its ``period`` whenever it was submitted."""

    type: Literal["report_submitted"]
    report: Text
    period: Period
    quality: Literal["ok", "poor"] = "ok"

    def ledger_year(self) -> int:
        return period_year(self.period)


class Finding(WorkEvent):
    """检查发现/核查结论"""

    type: Literal["finding"]
    item: Text
    result: Text
    count: PositiveInt = 1


class Metric(WorkEvent):
    """指标数据 (ratios in percent)."""

    type: Literal["metric"]
    name: Name
    value: Number
    period: Period | None = None

    def ledger_year(self) -> int:
        return period_year(self.period) if self.period else self.date.year


def _score(value: Decimal) -> Decimal:
    """No panel scores beyond 100 (policies may cap lower): -1e9 or 1e300 is a typo that would
    silently move a unit's evaluation average."""
    if not 0 <= value <= 100:
        raise ValueError("a score from 0 to 100")
    return value


class Evaluation(WorkEvent):
    """评议打分"""

    type: Literal["evaluation"]
    panel: Literal["leaders", "departments", "enterprises", "supervisors", "deputies",
                   "government", "office"]
    evaluator: Name
    score: Annotated[Number, AfterValidator(_score)]
    verdict: Literal["satisfied", "dissatisfied"] | None = None


class RankingResult(WorkEvent):
    """上级评价排名"""

    type: Literal["ranking_result"]
    indicator: Text
    rank: PositiveInt
    overall_rank: PositiveInt


class Complaint(WorkEvent):
    """投诉举报"""

    type: Literal["complaint"]
    kind: Literal["unrecorded", "escalated", "collective_petition"]
    people: Annotated[NonNegativeInt | None, Field(validate_default=True)] = None

    @field_validator("people")
    @classmethod
    def _petitioners_counted(cls, people: int | None, info: ValidationInfo) -> int | None:
        """A petition's size decides its deduction (daan-2021 10.3: −2 under 30 people, −3 from
        30): a petition without it would quietly cost the smaller one."""
        if people is None and info.data.get("kind") == "collective_petition":
            raise ValueError("the number of petitioners (required for a collective_petition)")
        return people


class WarningSent(WorkEvent):
    """本单位发出软环境警示"""

    type: Literal["warning_sent"]
    to: Text


TYPES: list[type[Event]] = [TrainingSession, ReportSubmitted, Finding, Metric, Evaluation, RankingResult,
         Complaint, WarningSent]
