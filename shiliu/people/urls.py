from django.urls import path

from shiliu.people import views

app_name = "people"
urlpatterns = [
    path("households/", views.household_list, name="household_list"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("officials/", views.official_list, name="official_list"),
    path("officials/<int:pk>/", views.official_detail, name="official_detail"),
]
