from django.urls import path

from shiliu.core import views

app_name = "core"
urlpatterns = [path("jobs/<int:job_id>/", views.job_progress, name="job")]
