from django.urls import path

from shiliu.rosters import views

app_name = "rosters"
urlpatterns = [path("", views.index, name="index")]
