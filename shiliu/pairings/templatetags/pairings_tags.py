from django import template

from shiliu.pairings.selectors import household_history, is_office_for

register = template.Library()


@register.inclusion_tag("pairings/_household_history.html", takes_context=True)
def household_pairings(context, household):
    """The household's pairing history, for its detail page (people app)."""
    user = context["request"].user
    return {
        "household": household,
        "history": household_history(actor=user, household=household).select_related("official__unit", "scheme"),
        "can_manage": is_office_for(user, household.village),
        "csrf_token": context.get("csrf_token"),
    }
