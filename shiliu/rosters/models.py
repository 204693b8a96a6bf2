"""Roster imports: one record per file a user checked or imported."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RosterKindChoice(models.TextChoices):
    ORGS = "orgs", _("组织")
    OFFICIALS = "officials", _("公职人员")
    HOUSEHOLDS = "households", _("家庭")


class ImportRun(models.Model):
    """One roster file (org units, officials or households) that someone checked (预检) or imported.

    It is the import history: who, when, which file (name and SHA-256), what it would change or
    changed, and every error found, with the highlighted error report a clerk downloads, fixes
    and uploads again. A file with any error writes nothing.
    """

    class Status(models.TextChoices):
        CHECKED = "checked", _("预检通过")
        IMPORTED = "imported", _("已导入")
        REJECTED = "rejected", _("有错误，未导入")
        FAILED = "failed", _("无法导入")

    kind = models.CharField(_("名册"), max_length=16, choices=RosterKindChoice.choices)
    file_name = models.CharField(_("文件名"), max_length=255)
    file_format = models.CharField(_("文件格式"), max_length=8, blank=True)
    sha256 = models.CharField(_("文件SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("文件大小"), default=0)
    user = models.ForeignKey(
        "accounts.User", verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="roster_imports"
    )
    org = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("导入范围"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    dry_run = models.BooleanField(_("仅预检"), default=False)
    status = models.CharField(_("结果"), max_length=8, choices=Status.choices)
    rows = models.PositiveIntegerField(_("数据行数"), default=0)
    created = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("未变化"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    errors = models.JSONField(_("错误（前1000条）"), default=list, blank=True)
    report = models.CharField(_("错误报告文件"), max_length=100, blank=True)
    upload = models.CharField(_("待导入文件"), max_length=100, blank=True)
    seconds = models.FloatField(_("用时(秒)"), default=0)
    job = models.ForeignKey(
        "core.Job", verbose_name=_("后台任务"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("名册导入记录")
        verbose_name_plural = _("名册导入记录")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.get_status_display()})"

    @property
    def changes(self) -> int:
        return self.created + self.updated
