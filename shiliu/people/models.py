"""Officials and the households they are paired with.

Only the minimum personal data is kept (PIPL Art. 6). Ethnicity is optional, self-declared
and sensitive: shown to the serving unit only, reported upward as suppressed aggregates.
"""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from shiliu.core.scoping import scoped_manager


class Language(models.TextChoices):
    MANDARIN = "zh", _("汉语普通话")
    SICHUANESE = "zh-sc", _("四川话")
    TIBETAN = "bo", _("藏语")
    YI = "ii", _("彝语")
    QIANG = "qiang", _("羌语")
    OTHER = "other", _("其他语言")


LANGUAGE_CODES = {c.value for c in Language}

ETHNICITIES = [
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族", "满族", "侗族",
    "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族", "佤族", "畲族", "高山族",
    "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族", "达斡尔族", "仫佬族", "羌族",
    "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族",
    "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族",
    "赫哲族", "门巴族", "珞巴族", "基诺族",
]  # fmt: skip


class Livelihood(models.TextChoices):
    """防止返贫监测: a poverty-only status, nothing else."""

    STABLE = "stable", _("稳定")
    AT_RISK = "at_risk", _("易返贫致贫")
    ASSISTED = "assisted", _("已帮扶")


phone_validator = RegexValidator(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$", _("电话号码格式不正确"))
id_validator = RegexValidator(r"^\d{17}[\dX]$", _("身份证号应为18位，最后一位可为X"))


def validate_languages(value: str) -> None:
    from django.core.exceptions import ValidationError

    for code in filter(None, value.split(",")):
        if code not in LANGUAGE_CODES:
            raise ValidationError(_("未知语言代码：%(code)s"), params={"code": code})


class LanguagesMixin(models.Model):
    languages = models.CharField(
        _("使用语言"), max_length=64, blank=True, validators=[validate_languages], help_text=_("语言代码，逗号分隔")
    )

    class Meta:
        abstract = True

    @property
    def language_set(self) -> set[str]:
        return set(filter(None, self.languages.split(",")))

    def language_labels(self) -> str:
        labels = dict(Language.choices)
        return "、".join(str(labels.get(c, c)) for c in sorted(self.language_set))


class Official(LanguagesMixin):
    """A public official (公职人员/干部职工) of a unit, who can be paired with households."""

    code = models.CharField(_("工号"), max_length=32, unique=True)
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机号"), max_length=20, blank=True, validators=[phone_validator])
    unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("所在单位"), on_delete=models.PROTECT, related_name="officials"
    )
    capacity = models.PositiveSmallIntegerField(
        _("可结对户数"), default=4, validators=[MinValueValidator(0), MaxValueValidator(50)]
    )
    active = models.BooleanField(_("在岗"), default=True)

    objects = scoped_manager("unit__path", personal=True)

    class Meta:
        verbose_name = _("公职人员")
        verbose_name_plural = _("公职人员")
        ordering = ["code"]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name


class Household(LanguagesMixin):
    """A family (联谊家庭/结对认亲户) taking part in the programme, with its recorded consent."""

    code = models.CharField(_("户编号"), max_length=32, unique=True)
    head_name = models.CharField(_("户主姓名"), max_length=50)
    head_id_number = models.CharField(
        _("户主身份证号"), max_length=18, blank=True, validators=[id_validator], help_text=_("可不填")
    )
    village = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("所在村(社区)"), on_delete=models.PROTECT, related_name="households"
    )
    members = models.PositiveSmallIntegerField(
        _("家庭人口"), default=1, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[phone_validator])
    ethnicity = models.CharField(
        _("民族(自愿填报)"),
        max_length=16,
        blank=True,
        choices=[(e, e) for e in ETHNICITIES],
        help_text=_("敏感个人信息：仅本单位可见，向上只报汇总数"),
    )
    livelihood = models.CharField(
        _("防返贫监测状态"), max_length=16, choices=Livelihood.choices, default=Livelihood.STABLE
    )
    consent_given_on = models.DateField(_("同意结对日期"), null=True, blank=True)
    consent_notice_version = models.CharField(_("告知书版本"), max_length=16, blank=True)
    consent_withdrawn_on = models.DateField(_("撤回同意日期"), null=True, blank=True)

    objects = scoped_manager("village__path", personal=True)

    class Meta:
        verbose_name = _("家庭")
        verbose_name_plural = _("家庭")
        ordering = ["code"]
        indexes = [models.Index(fields=["head_name"])]

    def __str__(self) -> str:
        return f"{self.head_name}家({self.code})"

    @property
    def has_consent(self) -> bool:
        return self.consent_given_on is not None and self.consent_withdrawn_on is None

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.consent_given_on and not self.consent_notice_version:
            raise ValidationError({"consent_notice_version": _("记录同意时须填写告知书版本")})
        if self.village_id and self.village.level != "village":
            raise ValidationError({"village": _("家庭必须属于村(社区)")})


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if len(value) >= 11:
        return value[:3] + "****" + value[-4:]
    return value[:2] + "****" + value[-2:]


def mask_id(value: str) -> str:
    if not value:
        return ""
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
