"""The columns of each roster: one layout for the template, the export and the import.

Headers are part of the file format, so they are fixed Chinese strings, not translated: a file
exported under the English UI must import under the Chinese one. Each column knows how to turn
what a clerk (or a spreadsheet program) put in a cell into a clean value, or says in Chinese why
it cannot: numbers that a spreadsheet made of an ID or a phone, dates in the formats people type,
full-width characters and stray spaces.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import mul
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shiliu.accounts.models import RoleCode
from shiliu.orgs.models import Kind, Level
from shiliu.people.models import ETHNICITIES, Language, Livelihood


class CellError(Exception):
    """A cell's value cannot be used; ``reason`` is shown to the clerk."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# What a blank cell means: the field is cleared, or (for columns with a default) a new row gets
# the default and an existing row keeps its value.
CLEAR, KEEP = "clear", "keep"

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d+)?[eE][+-]?\d+")
_DECIMAL = re.compile(r"\d+\.\d+")
_INTEGER = re.compile(r"[+-]?\d+(?:\.0+)?")
_MOBILE_DASHED = re.compile(r"1\d{2}[- ]?\d{4}[- ]?\d{4}")
_PHONE = re.compile(r"(?:1\d{10}|0\d{2,3}-?\d{7,8})")
_ID = re.compile(r"\d{17}[\dX]")
_ORG_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,31}")
_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_LIST_SPLIT = re.compile(r"[、,，;；/|\s]+")
_EXCEL_EPOCH = date(1899, 12, 30)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def clean_text(value: str) -> str:
    """NFKC (full-width letters, digits and brackets to half-width), no zero-width characters,
    whitespace trimmed and collapsed."""
    if (
        value.isprintable()
        and "  " not in value
        and value.strip(" ") == value
        and unicodedata.is_normalized("NFKC", value)
    ):
        return value  # the common case; zero-width and non-ASCII spaces are not printable
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value).translate(_ZERO_WIDTH)
    return " ".join(value.split())


def clean_token(value: str) -> str:
    """Like ``clean_text`` but with every space removed: codes, IDs and phone numbers."""
    if value.isascii():
        return value if value.isalnum() else "".join(value.split())
    return "".join(unicodedata.normalize("NFKC", value).translate(_ZERO_WIDTH).split())


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def display(value: Any) -> str:
    """A cell's value as the clerk saw it, for the error list."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.15G}"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def id_checksum_ok(number: str) -> bool:
    """GB 11643 check digit of an 18-digit resident ID number."""
    return _ID_CHECK[sum(map(mul, map(int, number[:17]), _ID_WEIGHTS)) % 11] == number[17]


def _number_as_text_error(what: str) -> CellError:
    return CellError(
        _("%(what)s被表格软件存成了数字（可能已变成科学计数法或丢失了末尾数字），请将此列设为“文本”格式后重新填写")
        % {"what": what}
    )


def _date_as_text_error() -> CellError:
    return CellError(_("此列应为文本，但被表格软件识别成了日期，请将此列设为“文本”格式后重新填写"))


def _no_formula_text(text: str) -> str:
    if text.startswith("="):
        raise CellError(_("内容不能以“=”开头（疑似公式）"))
    return text


# -- parsers: raw cell value -> clean value; blank cells never reach them ---------------------


def parse_text(max_length: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if isinstance(value, str):
            text = clean_text(value)
        elif isinstance(value, bool):
            raise CellError(_("应为文字"))
        elif isinstance(value, float):
            text = str(int(value)) if value.is_integer() else repr(value)
        elif isinstance(value, date):
            raise _date_as_text_error()
        else:
            text = clean_text(str(value))
        if len(text) > max_length:
            raise CellError(_("不能超过%(n)s个字") % {"n": max_length})
        return _no_formula_text(text)

    return parse


def parse_code(max_length: int = 32, pattern: re.Pattern | None = None) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if isinstance(value, str):
            text = clean_token(value)
            if text.isdigit():
                pass
            elif _SCIENTIFIC.fullmatch(text):
                raise _number_as_text_error(_("编号"))
            elif _DECIMAL.fullmatch(text):
                head, _dot, tail = text.partition(".")
                if tail.strip("0") or len(head) > 15:
                    raise _number_as_text_error(_("编号"))
                text = head
        elif isinstance(value, bool):
            raise CellError(_("编号格式不正确"))
        elif isinstance(value, int | float):
            if not float(value).is_integer() or abs(value) >= 1e15:
                raise _number_as_text_error(_("编号"))
            text = str(int(value))
        elif isinstance(value, date):
            raise _date_as_text_error()
        else:
            text = clean_token(str(value))
        if len(text) > max_length:
            raise CellError(_("编号不能超过%(n)s个字符") % {"n": max_length})
        if pattern is not None and not pattern.fullmatch(text):
            raise CellError(_("代码只能包含字母、数字和连字符"))
        return _no_formula_text(text)

    return parse


def parse_id_number(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise _number_as_text_error(_("身份证号"))
    if isinstance(value, date):
        raise _date_as_text_error()
    text = clean_token(str(value)).upper()
    if not text.isalnum() and (_SCIENTIFIC.fullmatch(text) or _DECIMAL.fullmatch(text)):
        raise _number_as_text_error(_("身份证号"))
    if not _ID.fullmatch(text):
        raise CellError(_("身份证号应为18位，最后一位可为X"))
    if not id_checksum_ok(text):
        raise CellError(_("身份证号校验位不正确，请核对是否填错"))
    return text


def parse_phone(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise _number_as_text_error(_("电话号码"))
    if isinstance(value, date):
        raise _date_as_text_error()
    text = clean_token(str(value))
    if text.isdigit() and len(text) == 11 and text[0] == "1":
        return text  # the common case: a mobile number
    if _SCIENTIFIC.fullmatch(text) or _DECIMAL.fullmatch(text):
        raise _number_as_text_error(_("电话号码"))
    if text.startswith("+86"):
        text = text[3:].lstrip("-")
    if _MOBILE_DASHED.fullmatch(text):
        text = text.replace("-", "").replace(" ", "")
    if not _PHONE.fullmatch(text):
        raise CellError(_("电话号码格式不正确：手机号为11位数字，固定电话如 0836-2812345"))
    return text


def parse_int(minimum: int, maximum: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool):
            raise CellError(_("应为整数"))
        if isinstance(value, float):
            if not value.is_integer():
                raise CellError(_("应为整数"))
            number = int(value)
        elif isinstance(value, int):
            number = value
        elif isinstance(value, str):
            text = clean_token(value)
            if not _INTEGER.fullmatch(text):
                raise CellError(_("应为整数"))
            number = int(text.split(".")[0])
        else:
            raise CellError(_("应为整数"))
        if not minimum <= number <= maximum:
            raise CellError(_("应在%(lo)s到%(hi)s之间") % {"lo": minimum, "hi": maximum})
        return number

    return parse


def parse_float(minimum: float, maximum: float) -> Callable[[Any], float]:
    def parse(value: Any) -> float:
        if isinstance(value, bool | date):
            raise CellError(_("应为数字"))
        if isinstance(value, int | float):
            number = float(value)
        else:
            try:
                number = float(clean_token(str(value)))
            except ValueError:
                raise CellError(_("应为数字")) from None
        if not minimum <= number <= maximum:
            raise CellError(_("应在%(lo)s到%(hi)s之间") % {"lo": minimum, "hi": maximum})
        return number

    return parse


def _valid_date(y: int, m: int, d: int) -> date:
    if not 1900 <= y <= 2100:
        raise CellError(_("年份不合理"))
    try:
        return date(y, m, d)
    except ValueError:
        raise CellError(_("日期不存在")) from None


def parse_date(value: Any) -> date:
    """Dates as a spreadsheet stores them, or as people type them."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise CellError(_("日期格式不正确"))
    if isinstance(value, int | float):
        if float(value).is_integer() and 19000101 <= value <= 21001231:
            n = int(value)
            return _valid_date(n // 10000, n // 100 % 100, n % 100)
        if 1 <= value < 73051:  # Excel serial day number up to 2099-12-31
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError(_("日期格式不正确"))
    text = str(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    text = clean_text(text)
    match = _DATE.fullmatch(text) or _DATE_COMPACT.fullmatch(text)
    if match is None:
        raise CellError(_("日期格式不正确，可填写 2026-01-05、2026/1/5、2026年1月5日 或 20260105"))
    return _valid_date(*(int(g) for g in match.groups()))


def _enum_key(text: str) -> str:
    return clean_token(text).lower()


def parse_choice(options: dict[str, str], label: str) -> Callable[[Any], str]:
    """``options`` maps every accepted spelling (label, code, alias) to the stored value."""
    lookup = {_enum_key(k): v for k, v in options.items()}
    labels = "、".join(dict.fromkeys(options))

    def parse(value: Any) -> str:
        found = lookup.get(_enum_key(display(value)))
        if found is None:
            raise CellError(
                _("“%(value)s”不是有效的%(label)s，可选：%(options)s")
                % {"value": display(value), "label": label, "options": labels}
            )
        return found

    return parse


def parse_languages(value: Any) -> str:
    """Languages as labels or codes, separated by 、 or commas; stored as codes in a fixed order."""
    found = set()
    for token in _LIST_SPLIT.split(clean_text(display(value))):
        if not token:
            continue
        code = LANGUAGE_LOOKUP.get(_enum_key(token))
        if code is None:
            raise CellError(
                _("“%(value)s”不是可选的语言，可选：%(options)s")
                % {"value": token, "options": "、".join(str(label) for label in Language.labels)}
            )
        found.add(code)
    return ",".join(c for c in LANGUAGE_ORDER if c in found)


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    key = _enum_key(display(value))
    if key in TRUE_WORDS:
        return True
    if key in FALSE_WORDS:
        return False
    raise CellError(_("请填写“是”或“否”"))


LANGUAGE_ORDER = [c.value for c in Language]
LANGUAGE_LOOKUP = (
    {_enum_key(str(label)): value for value, label in Language.choices}
    | {_enum_key(value): value for value in LANGUAGE_ORDER}
    | {
        _enum_key(k): v
        for k, v in {"普通话": "zh", "汉语": "zh", "国语": "zh", "四川方言": "zh-sc", "彝族语": "ii"}.items()
    }
)
TRUE_WORDS = {"是", "在岗", "y", "yes", "true", "1", "√"}
FALSE_WORDS = {"否", "不在岗", "n", "no", "false", "0", "×"}


def canonical_languages(value: str) -> str:
    """The stored form of a language list written in any order."""
    codes = set(value.split(","))
    return ",".join(c for c in LANGUAGE_ORDER if c in codes)


def language_labels(value: str) -> str:
    labels = dict(Language.choices)
    return "、".join(str(labels.get(c, c)) for c in LANGUAGE_ORDER if c in set(value.split(",")))


# -- columns and kinds -------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    parse: Callable[[Any], Any]
    required: bool = False
    blank: str = CLEAR
    text: bool = False  # formatted as text in the template
    is_date: bool = False
    choices: tuple[str, ...] = ()  # labels offered as a drop-down in the template
    strict_choices: bool = True  # the drop-down refuses other input
    memo: bool = False  # few distinct values: parse each once
    width: int = 16
    note: str = ""


@dataclass(frozen=True)
class RosterKind:
    key: str
    label: str  # lazily translated
    sheet: str
    columns: tuple[Column, ...]
    sample: tuple
    write_roles: frozenset[str]
    personal: bool
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def code_column(self) -> Column:
        return self.columns[0]


def _level_options() -> dict[str, str]:
    options = {str(label): value for value, label in Level.choices} | {value: value for value in Level.values}
    aliases = {"省": "province", "州": "prefecture", "市": "prefecture", "县": "county", "区": "county"}
    aliases |= {"乡": "township", "镇": "township", "街道": "township", "村": "village", "社区": "village"}
    return options | aliases


def _kind_options() -> dict[str, str]:
    return {str(label): value for value, label in Kind.choices} | {value: value for value in Kind.values}


def _livelihood_options() -> dict[str, str]:
    return {str(label): value for value, label in Livelihood.choices} | {v: v for v in Livelihood.values}


def _ethnicity_options() -> dict[str, str]:
    return {e: e for e in ETHNICITIES} | {e.removesuffix("族"): e for e in ETHNICITIES if len(e) > 2}


LANGUAGE_NOTE = "可填一种或多种，用顿号“、”分隔，如“藏语、汉语普通话”"
CODE_NOTE = "唯一编号；已存在的编号会更新该条记录，新编号会新增"
SAMPLE_CODES = {"orgs": "SAMPLE-001", "officials": "SAMPLE-G001", "households": "SAMPLE-H0001"}

ORGS = RosterKind(
    key="orgs",
    label=gettext_lazy("组织"),
    sheet="组织名册",
    columns=(
        Column(
            "代码",
            "code",
            parse_code(32, _ORG_CODE),
            required=True,
            text=True,
            width=18,
            note=CODE_NOTE + "；行政区域用12位统计用区划代码，只能包含字母、数字和连字符",
        ),
        Column("名称", "name", parse_text(100), required=True, width=24),
        Column(
            "层级",
            "level",
            parse_choice(_level_options(), "层级"),
            required=True,
            choices=tuple(str(label) for label in Level.labels),
            width=14,
            note="行政区域须比上级低一级；单位与所属区域同级",
            memo=True,
        ),
        Column(
            "类别",
            "kind",
            parse_choice(_kind_options(), "类别"),
            blank=KEEP,
            choices=tuple(str(label) for label in Kind.labels),
            width=16,
            note="留空：新增时为“行政区域”，已有的保持不变",
            memo=True,
        ),
        Column(
            "上级代码",
            "parent",
            parse_code(32, _ORG_CODE),
            text=True,
            width=18,
            note="新增单位必填；上级可以是系统中已有的，也可以是本表中的另一行；已有单位不能通过导入更改上级",
            memo=True,
        ),
        Column("纬度", "latitude", parse_float(-90, 90), width=10, note="可不填"),
        Column("经度", "longitude", parse_float(-180, 180), width=10, note="可不填"),
    ),
    sample=(SAMPLE_CODES["orgs"], "示例村（导入前请删除此行）", "村(社区)", "行政区域", "993301001000", 30.12, 101.12),
    write_roles=frozenset({RoleCode.OFFICE, RoleCode.SYSTEM_ADMIN}),
    personal=False,
)

OFFICIALS = RosterKind(
    key="officials",
    label=gettext_lazy("公职人员"),
    sheet="公职人员名册",
    columns=(
        Column("工号", "code", parse_code(32), required=True, text=True, width=16, note=CODE_NOTE),
        Column("姓名", "name", parse_text(50), required=True, width=12),
        Column("手机号", "phone", parse_phone, text=True, width=15, note="请设为文本格式，11位手机号"),
        Column(
            "所在单位代码",
            "unit",
            parse_code(32),
            required=True,
            text=True,
            width=18,
            note="须为系统中已有、在您管理范围内的单位代码",
            memo=True,
        ),
        Column(
            "使用语言",
            "languages",
            parse_languages,
            choices=tuple(str(label) for label in Language.labels),
            strict_choices=False,
            width=22,
            note=LANGUAGE_NOTE,
            memo=True,
        ),
        Column(
            "可结对户数",
            "capacity",
            parse_int(0, 50),
            blank=KEEP,
            width=12,
            note="0到50；留空：新增时为4，已有的保持不变",
            memo=True,
        ),
        Column(
            "在岗",
            "active",
            parse_bool,
            blank=KEEP,
            choices=("是", "否"),
            width=8,
            note="是/否；留空：新增时为“是”，已有的保持不变",
            memo=True,
        ),
    ),
    sample=(SAMPLE_CODES["officials"], "李建国", "13800000000", "993301-A01", "汉语普通话、藏语", 4, "是"),
    write_roles=frozenset({RoleCode.OFFICE, RoleCode.COORDINATOR}),
    personal=True,
)

HOUSEHOLDS = RosterKind(
    key="households",
    label=gettext_lazy("家庭"),
    sheet="家庭名册",
    columns=(
        Column("户编号", "code", parse_code(32), required=True, text=True, width=20, note=CODE_NOTE),
        Column("户主姓名", "head_name", parse_text(50), required=True, width=12),
        Column(
            "户主身份证号",
            "head_id_number",
            parse_id_number,
            text=True,
            width=21,
            note="可不填；如填写须为18位文本，最后一位可为X",
        ),
        Column(
            "所在村(社区)代码",
            "village",
            parse_code(32),
            required=True,
            text=True,
            width=16,
            note="须为系统中已有、在您管理范围内的村(社区)代码",
            memo=True,
        ),
        Column("家庭人口", "members", parse_int(1, 30), required=True, width=10, note="1到30", memo=True),
        Column(
            "使用语言",
            "languages",
            parse_languages,
            choices=tuple(str(label) for label in Language.labels),
            strict_choices=False,
            width=22,
            note=LANGUAGE_NOTE,
            memo=True,
        ),
        Column("联系电话", "phone", parse_phone, text=True, width=15, note="可不填；请设为文本格式"),
        Column(
            "民族(自愿填报)",
            "ethnicity",
            parse_choice(_ethnicity_options(), "民族"),
            choices=tuple(ETHNICITIES),
            width=12,
            note="自愿填报，可不填；敏感个人信息，仅服务本户的单位可见",
            memo=True,
        ),
        Column(
            "防返贫监测状态",
            "livelihood",
            parse_choice(_livelihood_options(), "防返贫监测状态"),
            blank=KEEP,
            choices=tuple(str(label) for label in Livelihood.labels),
            width=14,
            note="留空：新增时为“稳定”，已有的保持不变",
            memo=True,
        ),
        Column(
            "同意结对日期",
            "consent_given_on",
            parse_date,
            is_date=True,
            width=14,
            note="家庭同意结对的日期；填写时须同时填写告知书版本",
            memo=True,
        ),
        Column(
            "告知书版本",
            "consent_notice_version",
            parse_text(16),
            text=True,
            width=12,
            note="如 2026-01，请设为文本格式",
            memo=True,
        ),
        Column(
            "撤回同意日期",
            "consent_withdrawn_on",
            parse_date,
            is_date=True,
            width=14,
            note="家庭撤回同意的日期，可不填",
            memo=True,
        ),
    ),
    sample=(
        SAMPLE_CODES["households"],
        "扎西",
        "",
        "993301001001",
        4,
        "藏语、四川话",
        "13800000000",
        "",
        "稳定",
        date(2026, 1, 5),
        "2026-01",
        None,
    ),
    write_roles=frozenset({RoleCode.OFFICE}),
    personal=True,
)

KINDS: dict[str, RosterKind] = {k.key: k for k in (HOUSEHOLDS, OFFICIALS, ORGS)}
KIND_CHOICES = [(k.key, k.label) for k in KINDS.values()]


def header_key(text: Any) -> str:
    """Headers compare after NFKC, without spaces and required-markers: （社区） matches (社区)."""
    return clean_token(display(text)).strip("*＊").replace("(必填)", "")
