from django.urls import path

from smdp_client.staff import views

app_name = "staff_smdp"

urlpatterns = [
    path("", views.server_list, name="list"),
    path("<int:pk>/", views.server_detail, name="detail"),
    path("<int:pk>/test/", views.server_test, name="test"),
    path("<int:pk>/certificate/", views.server_certificate, name="certificate"),
]
