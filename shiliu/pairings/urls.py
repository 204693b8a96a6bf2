from django.urls import path

from shiliu.pairings import views

app_name = "pairings"
urlpatterns = [path("", views.index, name="index")]
