"""The org tree: administrative areas from province to village, and the units inside them."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from shiliu.core.scoping import scoped_manager


class Level(models.TextChoices):
    """Administrative level of an area, or of the area an institutional unit belongs to."""

    PROVINCE = "province", _("省")
    PREFECTURE = "prefecture", _("州(市)")
    COUNTY = "county", _("县(市、区)")
    TOWNSHIP = "township", _("乡(镇、街道)")
    VILLAGE = "village", _("村(社区)")


LEVEL_ORDER = [Level.PROVINCE, Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]


class Kind(models.TextChoices):
    """What an org unit is: an area, an institution (七进/八进 sectors), or part of the 石榴籽 network."""

    AREA = "area", _("行政区域")
    AGENCY = "agency", _("机关")
    DEPARTMENT = "department", _("职能部门")
    SCHOOL = "school", _("学校")
    ENTERPRISE = "enterprise", _("企业")
    COMMUNITY = "community", _("社区")
    RELIGIOUS_SITE = "religious_site", _("宗教活动场所")
    BARRACKS = "barracks", _("军(警)营")
    WORK_CENTRE = "work_centre", _("石榴籽工作中心")
    STUDIO = "studio", _("石榴籽工作室")
    TEAM = "team", _("石榴籽工作队")


code_validator = RegexValidator(r"^[0-9A-Za-z][0-9A-Za-z-]{0,31}$", _("代码只能包含字母、数字和连字符"))
AREA_CODE_RE = r"^\d{12}$"


class OrgUnit(models.Model):
    """A node of the org tree.

    Areas carry the 12-digit statistical area code; institutional units sit under the area
    they belong to. ``path`` is the materialized path (codes joined by "/") used for all
    subtree queries, so scoping is a single indexed prefix match.
    """

    code = models.CharField(_("代码"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices, default=Kind.AREA)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("路径"), max_length=400, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("深度"), editable=False)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    active = models.BooleanField(_("有效"), default=True)

    objects = scoped_manager("path", personal=False)

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["path"]
        indexes = [models.Index(fields=["level", "kind"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_area(self) -> bool:
        return self.kind == Kind.AREA

    def compute_path(self) -> str:
        return (self.parent.path if self.parent_id else "/") + f"{self.code}/"

    def ancestors(self):
        """Ancestors from the root down, found from the path without recursion."""
        codes = [c for c in self.path.strip("/").split("/")][:-1]
        by_code = {u.code: u for u in OrgUnit.objects.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]

    def area(self) -> "OrgUnit":
        """The administrative area this unit is, or belongs to."""
        if self.is_area:
            return self
        return next(a for a in reversed(self.ancestors()) if a.kind == Kind.AREA)
