"""Reading an uploaded roster: what the file really is, its header row, and its cells as they are.

The type comes from the content, never from the name alone. xlsx is read with python-calamine,
which returns every cell as stored (a number stays a float, so an ID that Excel turned into a
number is caught, not silently rounded). calamine returns a formula's cached value, so formulas
are found by a streaming scan of the worksheet XML for ``<f>`` elements. CSV is UTF-8 (with or
without BOM) or GB18030, as Excel on a Chinese Windows saves it.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import python_calamine
from django.conf import settings
from django.utils.translation import gettext as _

from shiliu.rosters.schema import RosterKind, header_key

MAX_ROWS = 500_000
MAX_UNZIPPED = 1024 * 1024 * 1024
HEADER_SEARCH_ROWS = 10
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{1,3})(\d+)\"")
_MAGIC = [
    (b"%PDF", "PDF"),
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"Rar!", "RAR"),
    (b"7z\xbc\xaf", "7z"),
    (b"\x1f\x8b", "gzip"),
]


def max_bytes() -> int:
    return int(getattr(settings, "SHILIU_ROSTER_MAX_MB", 40)) * 1024 * 1024


class FileProblem(Exception):
    """The file as a whole cannot be read as a roster; ``reason`` is shown to the clerk."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Table:
    format: str
    header_row: int
    headers: list  # header cells as they are, in column order
    rows: Iterator[tuple[int, list]]  # (row number, cells) for the non-blank rows below the header
    total: int  # rows in the sheet, for the progress bar
    formulas: dict[int, list[int]] = field(default_factory=dict)  # row number -> column indexes
    formula_unplaced: bool = False


def _blank_row(cells: list) -> bool:
    for c in cells:
        if isinstance(c, str):
            if c.strip():
                return False
        elif c is not None:
            return False
    return True


def _size_check(size: int) -> None:
    if size == 0:
        raise FileProblem(_("文件是空的"))
    if size > max_bytes():
        raise FileProblem(
            _("文件太大（%(size).1f MB），上限为 %(max)s MB，请拆分成几个文件分批导入")
            % {"size": size / 1024 / 1024, "max": max_bytes() // 1024 // 1024}
        )


def sniff(head: bytes, file_name: str) -> str:
    """'xlsx' or 'csv' from the first bytes; a clear reason when it is neither or not what its name says."""
    suffix = Path(file_name).suffix.lower() if file_name else ""
    if suffix and suffix not in {".xlsx", ".csv", ".txt"}:
        if suffix == ".xls":
            raise FileProblem(_("不支持旧版 .xls 文件，请在 Excel 中“另存为” .xlsx 后再导入"))
        raise FileProblem(_("只能导入 .xlsx 或 .csv 文件"))
    for magic, name in _MAGIC:
        if head.startswith(magic):
            raise FileProblem(_("文件内容是 %(type)s，不是 Excel(.xlsx) 或 CSV 表格") % {"type": name})
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(_("这是旧版 Excel(.xls) 或设置了打开密码的文件，请取消密码并“另存为” .xlsx 后再导入"))
    is_zip = head.startswith(b"PK\x03\x04")
    if suffix == ".xlsx" and not is_zip:
        raise FileProblem(_("文件扩展名是 .xlsx，但内容不是 Excel 表格"))
    if suffix in {".csv", ".txt"} and (is_zip or head.startswith(b"PK")):
        raise FileProblem(_("文件扩展名是 .csv，但内容不是 CSV 文本"))
    if head.startswith(b"PK"):
        return "xlsx"
    return "csv"


def read_table(source: Path | bytes, file_name: str, kind: RosterKind) -> Table:
    """Open ``source`` (a path or the file's bytes) and find its header row; raise FileProblem."""
    if isinstance(source, bytes):
        size, head = len(source), source[:8]
    else:
        size = source.stat().st_size
        with source.open("rb") as fh:
            head = fh.read(8)
    _size_check(size)
    fmt = sniff(head, file_name)
    if fmt == "xlsx":
        return _read_xlsx(source, kind)
    data = source if isinstance(source, bytes) else source.read_bytes()
    return _read_csv(data, kind)


# -- xlsx ----------------------------------------------------------------------------------------


def _open_zip(source: Path | bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileProblem(_("Excel 文件已损坏，无法打开")) from None


def _sheet_part(zf: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The zip member holding the worksheet called ``sheet_name``."""
    try:
        workbook = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    rel_id = None
    for sheet in workbook.iter(f"{_MAIN_NS}sheet"):
        if sheet.get("name") == sheet_name:
            rel_id = sheet.get(f"{_REL_NS}id")
    for rel in rels:
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return None


def _column_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def scan_formulas(zf: zipfile.ZipFile, part: str) -> tuple[dict[int, list[int]], bool]:
    """Cells holding a formula, as {row number: [0-based columns]}, read by streaming the sheet XML.

    ``<f>`` is the first child of its ``<c r="B7">``, so the cell is the tag just before it. The
    second value is True when a formula was seen whose cell could not be placed.
    """
    found: dict[int, list[int]] = {}
    unplaced = False
    overlap = 4096
    tail = b""
    offset = 0  # absolute position of buf[0]
    done = -1  # absolute position of the last formula handled
    with zf.open(part) as fh:
        while True:
            chunk = fh.read(1 << 20)
            buf = tail + chunk
            for match in _FORMULA.finditer(buf):
                pos = offset + match.start()
                if pos <= done:
                    continue
                done = pos
                cell = _CELL_REF.search(buf, max(0, buf.rfind(b"<", 0, match.start())), match.start())
                if cell is None:
                    unplaced = True
                else:
                    found.setdefault(int(cell.group(2)), []).append(_column_index(cell.group(1)))
            if not chunk:
                break
            keep = min(len(buf), overlap)
            offset += len(buf) - keep
            tail = buf[-keep:]
    return found, unplaced


def _read_xlsx(source: Path | bytes, kind: RosterKind) -> Table:
    zf = _open_zip(source)
    with zf:
        names = set(zf.namelist())
        if "xl/workbook.xml" not in names:
            raise FileProblem(_("文件不是有效的 Excel(.xlsx) 表格"))
        if any(info.flag_bits & 0x1 for info in zf.infolist()):
            raise FileProblem(_("文件已加密，请取消密码后再导入"))
        if sum(info.file_size for info in zf.infolist()) > MAX_UNZIPPED:
            raise FileProblem(_("文件解压后过大，请拆分成几个文件分批导入"))
        try:
            workbook = (
                python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(source))
                if isinstance(source, bytes)
                else python_calamine.CalamineWorkbook.from_path(str(source))
            )
            sheets = [
                m.name
                for m in workbook.sheets_metadata
                if str(m.visible).endswith("Visible") and str(m.typ).endswith("WorkSheet")
            ]
            name = kind.sheet if kind.sheet in workbook.sheet_names else (sheets or workbook.sheet_names or [None])[0]
            if name is None:
                raise FileProblem(_("表格中没有工作表"))
            sheet = workbook.get_sheet_by_name(name)
        except FileProblem:
            raise
        except Exception:
            raise FileProblem(_("Excel 文件无法读取，可能已损坏")) from None
        if sheet.total_height + 1 > MAX_ROWS + HEADER_SEARCH_ROWS:
            raise FileProblem(_("行数过多（上限 %(n)s 行），请拆分成几个文件分批导入") % {"n": MAX_ROWS})
        part = _sheet_part(zf, name)
        formulas, unplaced = scan_formulas(zf, part) if part and part in names else ({}, False)
    start_col = sheet.start[1] if sheet.start else 0
    if start_col:
        formulas = {r: [c - start_col for c in cols] for r, cols in formulas.items()}
    rows = _guarded(enumerate(sheet.iter_rows(), start=1))  # calamine starts at the sheet's first row
    table = _find_header(rows, kind, "xlsx", sheet.total_height + 1)
    table.formulas, table.formula_unplaced = formulas, unplaced
    return table


def _guarded(rows: Iterator[tuple[int, list]]) -> Iterator[tuple[int, list]]:
    """calamine converts cells lazily: a cell it cannot read is a damaged file, not a crash."""
    try:
        yield from rows
    except Exception as exc:
        raise FileProblem(_("Excel 文件无法读取，可能已损坏")) from exc


# -- csv -----------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if b"\x00" in data[: 1 << 20]:
        raise FileProblem(_("文件内容不是 CSV 文本"))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem(_("无法识别文件编码，请另存为“CSV UTF-8”格式后再导入"))


def _read_csv(data: bytes, kind: RosterKind) -> Table:
    text = _decode(data)
    if not text.strip():
        raise FileProblem(_("文件是空的"))
    first_line = text[: text.find("\n")] if "\n" in text else text
    delimiter = max([",", "\t", ";"], key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    total = text.count("\n") + 1
    if total > MAX_ROWS + HEADER_SEARCH_ROWS:
        raise FileProblem(_("行数过多（上限 %(n)s 行），请拆分成几个文件分批导入") % {"n": MAX_ROWS})

    def rows():
        try:
            yield from enumerate(reader, start=1)
        except csv.Error:
            raise FileProblem(_("CSV 文件格式有误（第%(n)s行附近）") % {"n": reader.line_num}) from None

    return _find_header(rows(), kind, "csv", total)


# -- header --------------------------------------------------------------------------------------


def _find_header(rows: Iterator[tuple[int, list]], kind: RosterKind, fmt: str, total: int) -> Table:
    """The header is the first of the first few non-blank rows that names the code column or two known columns."""
    known = {header_key(h) for h in kind.headers}
    code_key = header_key(kind.code_column.header)
    searched = 0
    first_rows: list[set[str]] = []
    for number, cells in rows:
        if _blank_row(cells):
            continue
        keys = {header_key(c) for c in cells if isinstance(c, str)}
        first_rows.append(keys)
        if code_key in keys or len(keys & known) >= 2:
            return Table(fmt, number, list(cells), _data_rows(rows), total)
        searched += 1
        if searched >= HEADER_SEARCH_ROWS:
            break
    if searched == 0:
        raise FileProblem(_("表格中没有数据"))
    if other := _other_kind(first_rows, kind):
        raise FileProblem(
            _("这似乎是“%(other)s”名册，不是“%(kind)s”名册，请选择正确的名册类型")
            % {"other": other.label, "kind": kind.label}
        )
    raise FileProblem(
        _("找不到表头：第一行应为列名（如“%(code)s”“%(second)s”），请使用导入模板填写")
        % {"code": kind.columns[0].header, "second": kind.columns[1].header}
    )


def _other_kind(first_rows: list[set[str]], kind: RosterKind) -> RosterKind | None:
    from shiliu.rosters.schema import KINDS

    for other in KINDS.values():
        code_key = header_key(other.code_column.header)
        if other.key != kind.key and any(code_key in keys for keys in first_rows):
            return other
    return None


def _data_rows(rows: Iterator[tuple[int, list]]) -> Iterator[tuple[int, list]]:
    count = 0
    for number, cells in rows:
        if _blank_row(cells):
            continue
        count += 1
        if count > MAX_ROWS:
            raise FileProblem(_("行数过多（上限 %(n)s 行），请拆分成几个文件分批导入") % {"n": MAX_ROWS})
        yield number, cells
