from django.urls import path

from orders.staff import views

app_name = "staff_orders"

urlpatterns = [
    path("", views.orders, name="orders"),
    path("<int:pk>/", views.order_detail, name="order"),
    path("<int:pk>/retry/", views.order_retry_view, name="retry"),
    path("esims/", views.search, name="search"),
    path("esims/<int:pk>/", views.esim_detail, name="esim"),
    path("esims/<int:pk>/<slug:action>/", views.esim_action, name="esim_action"),
    path("profiles/<int:pk>/", views.profile_detail, name="profile"),
]
