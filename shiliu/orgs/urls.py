from django.urls import path

from shiliu.orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("<str:code>/children/", views.children, name="children"),
]
