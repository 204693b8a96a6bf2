"""Roster test helpers: files built in memory, a private var/ directory, and row builders."""

import csv
import io
from datetime import date

import openpyxl
import pytest
import python_calamine

from shiliu.rosters.schema import HOUSEHOLDS, OFFICIALS, ORGS


@pytest.fixture(autouse=True)
def _private_var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def xlsx_bytes(headers, rows, *, sheet="Sheet1", text_columns=()) -> bytes:
    """A workbook as a clerk's spreadsheet would have it: numbers stay numbers, dates stay dates."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    for col in text_columns:
        for cell in ws[col]:
            cell.number_format = "@"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(headers, rows, *, encoding="utf-8-sig") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode(encoding)


def read_xlsx(content: bytes, sheet: int | str = 0) -> list[list]:
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
    ws = wb.get_sheet_by_index(sheet) if isinstance(sheet, int) else wb.get_sheet_by_name(sheet)
    return ws.to_python()


def household_row(code="9933010010019001", head_name="次仁", **fields) -> list:
    values = {
        "户编号": code,
        "户主姓名": head_name,
        "户主身份证号": "",
        "所在村(社区)代码": "993301001001",
        "家庭人口": 4,
        "使用语言": "藏语、四川话",
        "联系电话": "13900001111",
        "民族(自愿填报)": "藏族",
        "防返贫监测状态": "稳定",
        "同意结对日期": date(2026, 1, 5),
        "告知书版本": "2026-01",
        "撤回同意日期": None,
    }
    values.update({k: v for k, v in fields.items()})
    return [values[h] for h in HOUSEHOLDS.headers]


def official_row(code="G993301900", name="王芳", **fields) -> list:
    values = {
        "工号": code,
        "姓名": name,
        "手机号": "13700001111",
        "所在单位代码": "993301-A01",
        "使用语言": "汉语普通话",
        "可结对户数": 4,
        "在岗": "是",
    }
    values.update(fields)
    return [values[h] for h in OFFICIALS.headers]


def org_row(code, name, level, parent, kind="行政区域", lat=None, lon=None) -> list:
    return [code, name, level, kind, parent, lat, lon]


HH = HOUSEHOLDS.headers
OFF = OFFICIALS.headers
ORG = ORGS.headers
