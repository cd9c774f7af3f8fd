"""The event catalogue in the product (issue #15): ``ledger types`` and fill-in templates."""

from __future__ import annotations

import csv
from typing import Any

from ..events import names
from ..i18n import Msg
from . import words

ENVELOPE_ORDER = ("type", "unit", "date", "id")
EXAMPLES = {"date": "2021-06-03", "due": "2021-06-10", "response_due": "2021-06-05", "unit": "jk-fgj",
            "period": "2021-06", "ticket": "T2021-0001", "item": "督办2021-01",
            "note": "示例行：导入时跳过（编号为“示例”），请从下一行填写"}
"""The example row's cells; its id is ``batches.EXAMPLE_ID`` (示例), which import skips."""

SHAPE_HINTS = {"date": "YYYY-MM-DD", "whole": "0, 1, 2 …", "period": "2021 / 2021-Q3 / 2021-06",
               "flag": "true / false (是/否)"}


def fields_of(type_name: str) -> list[tuple[str, bool]]:
    """(field, required) for the columns a clerk fills (no actor, evidence, list/object fields)."""
    from ..events.catalog import CATALOG, field_kinds

    model = CATALOG[type_name]
    kinds = field_kinds(type_name)
    out = []
    for name, info in model.model_fields.items():
        if name in ("actor", "evidence") or kinds.get(name) != "scalar":
            continue
        out.append((name, info.is_required()))
    out.sort(key=lambda f: (ENVELOPE_ORDER.index(f[0]) if f[0] in ENVELOPE_ORDER else 9))
    return out


def describe(type_name: str | None = None) -> list[dict[str, Any]]:
    """Rows for ``ledger types``: every importable type, or one type's fields."""
    from ..events.catalog import IMPORTABLE, model_for

    if type_name is None:
        return [{"type": t, "名称": names.type_zh(t) or "", "fields": ", ".join(f for f, _ in fields_of(t)
                                                                          if f not in ENVELOPE_ORDER)}
                for t in IMPORTABLE]
    model_for(type_name)  # an unknown type: the error lists the types
    rows = []
    for field, required in fields_of(type_name):
        choice = words.describe_choices(type_name, field)
        shape = words.shapes(type_name)[field]
        rows.append({"field": field, "名称": names.field_zh(field) or "", "required": "yes" if required else "",
                     "values": choice or SHAPE_HINTS.get(shape, "")})
    return rows


def _example(type_name: str, field: str) -> str:
    from .batches import EXAMPLE_ID

    if field == "type":
        return names.type_zh(type_name) or type_name
    if field == "id":
        return EXAMPLE_ID
    if field in EXAMPLES:
        return EXAMPLES[field]
    choices = words.choices(type_name, field)
    if choices:
        return words.label(field, choices[0])
    shape = words.shapes(type_name)[field]
    return {"whole": "1", "flag": "否", "date": "2021-06-03"}.get(shape, "示例")


def template_format(path: str, fmt: str | None) -> str:
    """The format a template is written in: the output's extension decides (``t.csv`` is CSV,
    whatever else was asked); ``fmt`` for another name."""
    from ..errors import InputError

    ext = path.lower().rpartition(".")[2] if "." in path else ""
    if ext in ("xlsx", "csv"):
        if fmt is not None and fmt != ext:
            raise InputError(Msg("an output whose extension is the format (--format {fmt} writes .{fmt})", fmt=fmt),
                             field="--output", got=repr(path))
        return ext
    if fmt is None:
        raise InputError("an output file ending in .xlsx or .csv", field="--output", got=repr(path))
    return fmt


def write_template(type_names: list[str], path: str, fmt: str) -> None:
    """One sheet per type (xlsx) — Chinese headers, an example row (marked: import skips it),
    drop-downs for enumerated fields in their Chinese names, date-formatted columns — and a
    notes sheet; csv: one type's header and example row."""
    from ..events.catalog import model_for

    for t in type_names:
        model_for(t)
    if fmt == "csv":
        if len(type_names) != 1:
            from ..errors import InputError

            raise InputError("one TYPE for a CSV template (an .xlsx template holds several)", field="TYPE")
        t = type_names[0]
        cols = fields_of(t)
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            out = csv.writer(handle)
            out.writerow([names.field_zh(f) or f for f, _ in cols])
            out.writerow([_example(t, f) for f, _ in cols])
        return
    import datetime as dt

    import openpyxl
    from openpyxl.worksheet.datavalidation import DataValidation

    book = openpyxl.Workbook()
    book.remove(book.active)
    for t in type_names:
        sheet = book.create_sheet((names.type_zh(t) or t).replace("/", "、")[:31])
        cols = fields_of(t)
        sheet.append([names.field_zh(f) or f for f, _ in cols])
        example: list[Any] = []
        for f, _ in cols:
            value = _example(t, f)
            if words.shapes(t)[f] == "date" and value:
                example.append(dt.date.fromisoformat(value))
            else:
                example.append(value)
        sheet.append(example)
        for i, (f, _) in enumerate(cols, start=1):
            letter = openpyxl.utils.get_column_letter(i)
            sheet.column_dimensions[letter].width = 16
            choices = words.choices(t, f)
            if f == "type":
                choices = (names.type_zh(t) or t,)
            if choices:
                shown = [words.label(f, c) for c in choices] if f != "type" else list(choices)
                rule = DataValidation(type="list", formula1='"' + ",".join(shown) + '"', allow_blank=True)
                sheet.add_data_validation(rule)
                rule.add(f"{letter}2:{letter}2000")
            if words.shapes(t)[f] == "date":
                for row in range(2, 2001):
                    sheet.cell(row=row, column=i).number_format = "yyyy-mm-dd"
    notes = book.create_sheet("说明")
    notes.append(["类型", "字段", "名称", "必填", "可选值"])
    for t in type_names:
        for info in describe(t):
            notes.append([t, info["field"], info["名称"], "是" if info["required"] else "", info["values"]])
    notes.append([])
    notes.append(["第 2 行为示例（编号“示例”）：导入时跳过；请从第 3 行起填写。"
                  "导入：ledger import 本文件.xlsx --sheet 工作表名"])
    book.save(path)
