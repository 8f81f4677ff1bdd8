from django.urls import path

from smdp_client import views

app_name = "smdp_client"

urlpatterns = [
    path(
        "gsma/rsp2/es2plus/handleDownloadProgressInfo",
        views.handle_download_progress_info,
        name="handle-download-progress-info",
    ),
]
