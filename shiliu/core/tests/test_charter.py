"""The charter's never-list: no model field of any app may record these things."""

import re

from django.apps import apps

DENYLIST = [
    "religion",
    "religious_belief",
    "belief",
    "faith",
    "worship",
    "prayer",
    "extremis",
    "radical",
    "risk_score",
    "risk_level",
    "risk_label",
    "stability",
    "key_person",
    "keyperson",
    "watch",
    "watchlist",
    "special_population",
    "political",
    "attitude",
    "surveil",
    "track",
    "location_history",
    "gps",
    "宗教信仰",
    "信仰",
    "信教",
    "宗教",
    "极端",
    "风险",
    "稳定",
    "重点人",
    "重点人员",
    "关注名单",
    "特殊人群",
    "政治态度",
    "政治倾向",
    "监控",
    "定位",
    "轨迹",
]
# Exact (model label, field name) pairs allowed despite a denylist word, with the reason.
ALLOWED = {
    # The livelihood status is the poverty monitoring of DESIGN §2: "stable / at risk / assisted (poverty only)".
    ("people.household", "livelihood"),
    # 宗教活动场所 is a kind of place where events and awards happen (七进/八进); nothing about believers.
    ("orgs.orgunit", "kind"),
}


def _texts(field) -> list[str]:
    texts = [field.name, str(getattr(field, "verbose_name", "")), str(getattr(field, "help_text", ""))]
    texts += [str(label) for _value, label in (getattr(field, "choices", None) or [])]
    texts += [str(value) for value, _label in (getattr(field, "choices", None) or [])]
    return texts


def test_no_model_field_records_the_never_list():
    offenders = []
    for model in apps.get_models():
        if model._meta.app_label in {"contenttypes", "sessions", "admin", "django_tasks_db"}:
            continue
        texts = [model.__name__, str(model._meta.verbose_name)]
        for text in texts:
            for word in DENYLIST:
                if word in text.lower():
                    offenders.append((model._meta.label, "-", word))
        for field in model._meta.get_fields():
            if (model._meta.label_lower, field.name) in ALLOWED:
                continue
            for text in _texts(field):
                for word in DENYLIST:
                    if re.search(re.escape(word), text.lower()):
                        offenders.append((model._meta.label, field.name, word))
    assert offenders == []


def test_denylist_would_catch_an_offending_field():
    """The check above must be able to fail: a field named like a never-list item is caught."""
    from django.db import models

    field = models.CharField(name="religious_belief", verbose_name="宗教信仰")
    assert any(word in text.lower() for text in _texts(field) for word in DENYLIST)
