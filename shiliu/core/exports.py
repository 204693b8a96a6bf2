"""xlsx exports: every cell written as a value, never as a formula; IDs and phones as text."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def text_cell(ws, value) -> WriteOnlyCell:
    """A cell that Excel shows and keeps as text, even when it looks like a formula or a number."""
    cell = WriteOnlyCell(ws, value=None)
    if value is None:
        return cell
    if isinstance(value, int | float) and not isinstance(value, bool):
        cell.value = value
        return cell
    if isinstance(value, datetime):
        cell.value = timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
        return cell
    text = str(value)
    cell.value = text
    cell.data_type = "s"
    cell.number_format = "@"
    if text.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True
    return cell


def write_xlsx(
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    sheet_title: str = "Sheet1",
    widths: Sequence[int] | None = None,
) -> bytes:
    """Stream rows into an xlsx file (write-only mode keeps memory flat)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title)
    for i, w in enumerate(widths or [16] * len(headers)):
        ws.column_dimensions[_col(i)].width = w
    ws.freeze_panes = "A2"
    header_cells = []
    for h in headers:
        c = WriteOnlyCell(ws, value=h)
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="FDE9D9")
        header_cells.append(c)
    ws.append(header_cells)
    for row in rows:
        ws.append([text_cell(ws, v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _col(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(content, content_type=XLSX_MIME)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
