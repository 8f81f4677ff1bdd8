from django.urls import path

from profiles.staff import views

app_name = "staff_inventory"

urlpatterns = [
    path("", views.pool_list, name="pools"),
    path("imports/", views.import_list, name="imports"),
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/watch/<slug:token>/", views.import_watch, name="import_watch"),
    path(
        "imports/watch/<slug:token>/progress.json",
        views.import_progress_json,
        name="import_progress",
    ),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/result/", views.import_result, name="import_result"),
    path("imports/<int:pk>/errors.csv", views.import_errors_csv, name="import_errors"),
]
