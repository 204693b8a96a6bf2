from django.urls import path

from shiliu.pairings import views

app_name = "pairings"
urlpatterns = [
    path("", views.index, name="index"),
    path("schemes/new/", views.scheme_create, name="scheme_create"),
    path("match/", views.match_start, name="match"),
    path("proposals/", views.proposals, name="proposals"),
    path("proposals/accept/", views.proposals_accept, name="accept"),
    path("search/", views.household_search, name="search"),
    path("mine/", views.mine, name="mine"),
    path("mine/<int:pk>/", views.mine_detail, name="mine_detail"),
    path("officials/<int:pk>/", views.official_pairings, name="official"),
    path("officials/<int:pk>/deactivate/", views.official_deactivate, name="official_deactivate"),
    path("officials/<int:pk>/transfer/", views.official_transfer, name="official_transfer"),
    path("households/<int:pk>/withdraw-consent/", views.household_withdraw, name="household_withdraw"),
]
