"""Pairing (结对认亲): schemes, the pairings of officials with households, and matching runs."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shiliu.core.scoping import scoped_manager


class VisitFrequency(models.TextChoices):
    WEEKLY = "weekly", _("每周一次")
    TWICE_MONTHLY = "twice_monthly", _("每月两次")
    MONTHLY = "monthly", _("每月一次")
    BIMONTHLY = "bimonthly", _("每两月一次")
    QUARTERLY = "quarterly", _("每季度一次")


class Scheme(models.Model):
    """A pairing programme of an org unit ("1+2+N"): how many households an official takes at
    most and how often they visit. It applies to the unit's whole subtree."""

    name = models.CharField(_("名称"), max_length=100)
    org_unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("实施范围"), on_delete=models.PROTECT, related_name="pairing_schemes"
    )
    capacity_per_official = models.PositiveSmallIntegerField(
        _("每名公职人员最多结对户数(N)"), default=5, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    visit_frequency = models.CharField(
        _("走访频次"), max_length=16, choices=VisitFrequency.choices, default=VisitFrequency.MONTHLY
    )
    cross_county = models.BooleanField(
        _("允许跨县结对"), default=False, help_text=_("默认只在本县内结对；州级方案可允许跨县")
    )
    active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = scoped_manager("org_unit__path", personal=False)

    class Meta:
        verbose_name = _("结对方案")
        verbose_name_plural = _("结对方案")
        ordering = ["org_unit__path", "name"]

    def __str__(self) -> str:
        return self.name


class PairingStatus(models.TextChoices):
    PROPOSED = "proposed", _("建议")
    ACTIVE = "active", _("结对中")
    ENDED = "ended", _("已结束")


ALLOWED = {
    PairingStatus.PROPOSED: {PairingStatus.ACTIVE},
    PairingStatus.ACTIVE: {PairingStatus.ENDED},
    PairingStatus.ENDED: set(),
}


class EndReason(models.TextChoices):
    OFFICIAL_LEFT = "official_left", _("公职人员离岗")
    TRANSFERRED = "transferred", _("公职人员调动")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("家庭撤回同意")
    OFFICE_CHANGED = "office_changed", _("创建办调整")


class MatchRun(models.Model):
    """One run of the matching engine over a scope: its proposals and the summary the office reviews."""

    class Kind(models.TextChoices):
        FULL = "full", _("全面匹配")
        HANDOVER = "handover", _("交接匹配")

    class Status(models.TextChoices):
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    scheme = models.ForeignKey(Scheme, verbose_name=_("结对方案"), on_delete=models.PROTECT, related_name="runs")
    org_unit = models.ForeignKey("orgs.OrgUnit", verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.FULL)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.RUNNING)
    job = models.ForeignKey(
        "core.Job", verbose_name=_("后台任务"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.JSONField(_("摘要"), default=dict, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("发起人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    # A run holds aggregates only (counts, costs, shortfalls per county): readable in the tree scope.
    objects = scoped_manager("org_unit__path", personal=False)

    class Meta:
        verbose_name = _("匹配记录")
        verbose_name_plural = _("匹配记录")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class Pairing(models.Model):
    """An official paired with a household under a scheme: proposed by the engine or an office,
    active once accepted, ended with a reason. Ended pairings stay as the household's history.

    A proposal carries why the engine chose it: distance, shared languages, the official's load.
    """

    # The foreign keys and the status are indexed by the composite indexes below, not one by one:
    # every index is rewritten when a county's proposals are accepted.
    scheme = models.ForeignKey(
        Scheme, verbose_name=_("结对方案"), on_delete=models.PROTECT, related_name="pairings", db_index=False
    )
    official = models.ForeignKey(
        "people.Official",
        verbose_name=_("公职人员"),
        on_delete=models.PROTECT,
        related_name="pairings",
        db_index=False,
    )
    household = models.ForeignKey(
        "people.Household", verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="pairings", db_index=False
    )
    status = models.CharField(_("状态"), max_length=10, choices=PairingStatus.choices, default=PairingStatus.PROPOSED)
    started_on = models.DateField(_("结对日期"), null=True, blank=True)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=20, choices=EndReason.choices, blank=True)
    match_run = models.ForeignKey(
        MatchRun, verbose_name=_("匹配记录"), null=True, blank=True, on_delete=models.SET_NULL, related_name="pairings"
    )
    distance_km = models.FloatField(_("距离(公里)"), null=True, blank=True)
    shared_languages = models.CharField(_("共同语言"), max_length=64, blank=True)
    official_load = models.PositiveSmallIntegerField(_("公职人员结对户数"), null=True, blank=True)
    cost = models.BigIntegerField(_("匹配代价"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = scoped_manager("household__village__path", personal=True)

    class Meta:
        verbose_name = _("结对")
        verbose_name_plural = _("结对")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "household"],
                condition=Q(status="active"),
                name="pairing_one_active_per_scheme",
            ),
            models.UniqueConstraint(
                fields=["scheme", "household"],
                condition=Q(status="proposed"),
                name="pairing_one_proposal_per_scheme",
            ),
            models.CheckConstraint(
                condition=~Q(status="ended") | (Q(ended_on__isnull=False) & ~Q(end_reason="")),
                name="pairing_ended_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["official", "status"]),
            models.Index(fields=["household", "status"]),
            models.Index(fields=["scheme", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.official} ↔ {self.household}"

    @property
    def shared_language_set(self) -> list[str]:
        return [c for c in self.shared_languages.split(",") if c]

    def shared_language_labels(self) -> str:
        from shiliu.people.models import Language

        labels = dict(Language.choices)
        return "、".join(str(labels.get(c, c)) for c in self.shared_language_set)
