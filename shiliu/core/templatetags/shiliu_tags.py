from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def sort_link(label, field, params, sort_query):
    """A column header that toggles ascending/descending sort on ``field``."""
    current = params.sort
    if current == field:
        new, arrow = f"-{field}", " ▲"
    elif current == f"-{field}":
        new, arrow = field, " ▼"
    else:
        new, arrow = field, ""
    sep = "&" if sort_query else ""
    return format_html('<a href="?{}{}sort={}">{}{}</a>', sort_query, sep, new, label, arrow)


@register.filter
def masked_phone(value: str) -> str:
    from shiliu.people.models import mask_phone

    return mask_phone(value or "")
