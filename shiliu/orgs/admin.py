from django.contrib import admin

from shiliu.core.admin import RoleGatedAdmin
from shiliu.orgs.models import OrgUnit


@admin.register(OrgUnit)
class OrgUnitAdmin(RoleGatedAdmin):
    view_roles = ("system_admin", "security_admin", "audit_admin")
    list_display = ("code", "name", "level", "kind", "path")
    list_filter = ("level", "kind")
    search_fields = ("code", "name")
    readonly_fields = ("path", "depth")

    def get_queryset(self, request):
        return OrgUnit.objects.restrict(request.user)
