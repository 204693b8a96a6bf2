from django.contrib import admin

from shiliu.core.admin import RoleGatedAdmin
from shiliu.people.models import Household, Official


class PersonalAdmin(RoleGatedAdmin):
    """Personal records: visible only to the serving office, read-only here (writes go through services)."""

    view_roles = ("office",)

    def get_queryset(self, request):
        return self.model.objects.restrict(request.user)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(Official)
class OfficialAdmin(PersonalAdmin):
    list_display = ("code", "name", "unit", "capacity", "active")
    search_fields = ("code", "name")


@admin.register(Household)
class HouseholdAdmin(PersonalAdmin):
    list_display = ("code", "head_name", "village", "members", "livelihood")
    search_fields = ("code", "head_name")
