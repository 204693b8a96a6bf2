"""Shared machinery models: the append-only, hash-chained security event log."""

import hashlib
import json

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("security events are append-only")

    def delete(self):
        raise PermissionError("security events are append-only")

    _raw_delete = delete


class AuditEvent(models.Model):
    """One security event: a login, a denial, a read of a personal record, an export, a write.

    Rows are chained: ``hash`` covers the row's content and the previous row's hash, so any
    edit or removal breaks the chain at that row, which ``manage.py audit_verify`` reports.
    There is no update or delete path; on PostgreSQL a trigger refuses them too.
    """

    class Result(models.TextChoices):
        OK = "ok", _("成功")
        DENIED = "denied", _("拒绝")
        FAILED = "failed", _("失败")

    seq = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    user_id = models.BigIntegerField(_("用户ID"), null=True, blank=True)
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    org_code = models.CharField(_("组织代码"), max_length=32, blank=True)
    ip = models.CharField(_("IP地址"), max_length=45, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象"), max_length=64, blank=True)
    result = models.CharField(_("结果"), max_length=8, choices=Result.choices, default=Result.OK)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("安全事件")
        verbose_name_plural = _("安全事件")
        ordering = ["-seq"]

    GENESIS = "0" * 64

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.username}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("security events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("security events are append-only")

    def compute_hash(self) -> str:
        payload = json.dumps(
            [
                self.prev_hash,
                self.at.isoformat(timespec="microseconds"),
                self.user_id,
                self.username,
                self.org_code,
                self.ip,
                self.action,
                self.object_type,
                self.object_id,
                self.result,
                self.detail,
            ],
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()
