from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from shiliu.orgs.selectors import org_unit_get, org_units_for, top_units_for


@login_required
def tree(request):
    return render(request, "orgs/tree.html", {"roots": top_units_for(actor=request.user)})


@login_required
def children(request, code: str):
    """The children of one unit, loaded into the tree by htmx."""
    unit = org_unit_get(actor=request.user, code=code)
    return render(
        request, "orgs/_children.html", {"unit": unit, "children": org_units_for(actor=request.user, parent=unit)}
    )
