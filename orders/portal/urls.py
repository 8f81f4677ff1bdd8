from django.urls import path

from orders.portal import views

app_name = "portal"

urlpatterns = [
    path("esim/find/", views.find_esim, name="find"),
    path("esim/<str:token>/", views.esim_page, name="esim"),
]
