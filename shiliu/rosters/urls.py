from django.urls import path

from shiliu.rosters import views

app_name = "rosters"
urlpatterns = [
    path("", views.index, name="index"),
    path("templates/<str:kind>.xlsx", views.template, name="template"),
    path("upload/", views.upload, name="upload"),
    path("export/", views.export, name="export"),
    path("exports/<int:job_id>/", views.export_download, name="export_download"),
    path("imports/", views.history, name="history"),
    path("imports/<int:pk>/", views.run_detail, name="run_detail"),
    path("imports/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("imports/<int:pk>/report.xlsx", views.run_report, name="run_report"),
]
