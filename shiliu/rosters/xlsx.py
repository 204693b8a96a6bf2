"""A streaming xlsx writer for whole rosters and error reports.

openpyxl's write-only mode needs about 28 s for a 265k-row household roster on our two cores;
writing the SpreadsheetML directly takes a few seconds and keeps memory flat. The rules are
those of ``core.exports``: a string is always a string cell in text format (IDs and phones
stay text when a clerk edits them), and text that Excel could take for a formula (=, +, -, @)
also gets the quote prefix, so nothing we write can ever execute.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import IO

from openpyxl.utils import get_column_letter

from shiliu.core.exports import FORMULA_PREFIXES

_EPOCH = datetime(1899, 12, 30)
_EPOCH_DATE = _EPOCH.date()
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# Cell styles: five bases (general, text, text with quote prefix, date, date-time) times three
# highlights (none, bad row, bad cell), then the header style.
GENERAL, TEXT, QUOTED, DATE, DATETIME = range(5)
PLAIN, ROW, CELL = range(3)
HEADER = 15
_FILLS = ("", "FFF2CC", "FFC7CE")


def _style(base: int, highlight: int) -> int:
    return highlight * 5 + base


def _styles_xml() -> str:
    fills = ['<fill><patternFill patternType="none"/></fill>', '<fill><patternFill patternType="gray125"/></fill>']
    for rgb in (*_FILLS[1:], "FDE9D9"):
        fills.append(
            f'<fill><patternFill patternType="solid"><fgColor rgb="FF{rgb}"/>'
            '<bgColor indexed="64"/></patternFill></fill>'
        )
    fill_ids = (0, 2, 3)
    base_attrs = (
        'numFmtId="0"',
        'numFmtId="49" applyNumberFormat="1"',
        'numFmtId="49" applyNumberFormat="1" quotePrefix="1"',
        'numFmtId="164" applyNumberFormat="1"',
        'numFmtId="165" applyNumberFormat="1"',
    )
    xfs = []
    for highlight in (PLAIN, ROW, CELL):
        for attrs in base_attrs:
            fill = fill_ids[highlight]
            extra = ' applyFill="1"' if fill else ""
            xfs.append(f'<xf {attrs} fontId="0" fillId="{fill}" borderId="0" xfId="0"{extra}/>')
    xfs.append('<xf numFmtId="0" fontId="1" fillId="4" borderId="0" xfId="0" applyFont="1" applyFill="1"/>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
        '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
        f'<fills count="{len(fills)}">{"".join(fills)}</fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


def _escape(text: str) -> str:
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cell(ref: str, value, highlight: int) -> str:
    """One <c> element; empty string for an empty, unhighlighted cell."""
    if value is None or value == "":
        return f'<c r="{ref}" s="{_style(TEXT, highlight)}"/>' if highlight else ""
    if isinstance(value, str):
        base = QUOTED if value.startswith(FORMULA_PREFIXES) else TEXT
        style = _style(base, highlight)
        return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{_escape(value)}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" s="{_style(GENERAL, highlight)}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return _cell(ref, str(value), highlight)
        return f'<c r="{ref}" s="{_style(GENERAL, highlight)}"><v>{value!r}</v></c>'
    if isinstance(value, datetime):
        serial = (value.replace(tzinfo=None) - _EPOCH) / timedelta(days=1)
        return f'<c r="{ref}" s="{_style(DATETIME, highlight)}"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{_style(DATE, highlight)}"><v>{(value - _EPOCH_DATE).days}</v></c>'
    return _cell(ref, str(value), highlight)


class XlsxWriter:
    """Write sheets one after the other, each streamed row by row into the zip."""

    def __init__(self, target: str | IO[bytes]):
        self._zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        self._sheets: list[str] = []

    def add_sheet(
        self,
        title: str,
        headers: Sequence[str],
        rows: Iterable[Sequence],
        *,
        widths: Sequence[int] | None = None,
        marks: dict[int, set[int]] | None = None,
    ) -> int:
        """Stream ``rows`` under a bold header row; ``marks`` maps a 0-based data row to its bad columns.

        A marked row is filled light yellow and its bad cells red. Returns the number of data rows.
        """
        self._sheets.append(title)
        ncols = max(len(headers), 1)
        letters = [get_column_letter(i + 1) for i in range(max(ncols, 64))]
        widths = list(widths or []) + [16] * (ncols - len(widths or []))
        marks = marks if marks is not None else {}
        count = 0
        with self._zip.open(f"xl/worksheets/sheet{len(self._sheets)}.xml", "w", force_zip64=True) as fh:
            cols = "".join(
                f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths)
            )
            head = "".join(
                f'<c r="{letters[i]}1" s="{HEADER}" t="inlineStr"><is><t>{_escape(str(h))}</t></is></c>'
                for i, h in enumerate(headers)
            )
            fh.write(
                (
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                    'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
                    '<sheetFormatPr defaultRowHeight="15"/>'
                    f"<cols>{cols}</cols><sheetData>"
                    f'<row r="1">{head}</row>'
                ).encode()
            )
            buf: list[str] = []
            for count, row in enumerate(rows, start=1):
                r = count + 1
                bad = marks.get(count - 1)
                if len(row) > len(letters):
                    letters += [get_column_letter(i + 1) for i in range(len(letters), len(row))]
                if bad is None:
                    cells = "".join(_cell(f"{letters[i]}{r}", v, PLAIN) for i, v in enumerate(row))
                else:
                    cells = "".join(
                        _cell(f"{letters[i]}{r}", v, CELL if i in bad else ROW)
                        for i, v in enumerate(list(row) + [None] * (ncols - len(row)))
                    )
                buf.append(f'<row r="{r}">{cells}</row>')
                if len(buf) >= 2000:
                    fh.write("".join(buf).encode())
                    buf = []
            buf.append("</sheetData></worksheet>")
            fh.write("".join(buf).encode())
        return count

    def close(self) -> None:
        sheets = "".join(
            f'<sheet name="{_escape(t)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, t in enumerate(self._sheets)
        )
        rels = "".join(
            f'<Relationship Id="rId{i + 1}" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            f'Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(len(self._sheets))
        )
        n = len(self._sheets)
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(n)
        )
        parts = {
            "[Content_Types].xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/styles.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                f"{overrides}</Types>"
            ),
            "_rels/.rels": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId1" '
                'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                'Target="xl/workbook.xml"/></Relationships>'
            ),
            "xl/workbook.xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                f"<sheets>{sheets}</sheets></workbook>"
            ),
            "xl/_rels/workbook.xml.rels": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f"{rels}"
                f'<Relationship Id="rId{n + 1}" '
                'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
                'Target="styles.xml"/></Relationships>'
            ),
            "xl/styles.xml": _styles_xml(),
        }
        for name, text in parts.items():
            self._zip.writestr(name, text)
        self._zip.close()

    def __enter__(self) -> XlsxWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self._zip.close()
