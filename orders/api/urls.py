from django.urls import path

from orders.api import actions, views

urlpatterns = [
    path("orders", views.OrderListView.as_view(), name="api-orders"),
    path("orders/<int:pk>", views.OrderDetailView.as_view(), name="api-order"),
    path("esims", views.EsimListView.as_view(), name="api-esims"),
    path("esims/<str:iccid>", views.EsimDetailView.as_view(), name="api-esim"),
    path("esims/<str:iccid>/qr.svg", views.EsimQrSvgView.as_view(), name="api-esim-qr-svg"),
    path("esims/<str:iccid>/qr.png", views.EsimQrPngView.as_view(), name="api-esim-qr-png"),
    path("esims/<str:iccid>/events", views.EsimEventsView.as_view(), name="api-esim-events"),
    path("esims/<str:iccid>/usage", views.EsimUsageView.as_view(), name="api-esim-usage"),
    path("esims/<str:iccid>/topups", actions.EsimTopUpView.as_view(), name="api-esim-topups"),
    path("esims/<str:iccid>/suspend", actions.EsimSuspendView.as_view(), name="api-esim-suspend"),
    path("esims/<str:iccid>/resume", actions.EsimResumeView.as_view(), name="api-esim-resume"),
    path("esims/<str:iccid>/reissue", actions.EsimReissueView.as_view(), name="api-esim-reissue"),
    path("esims/<str:iccid>/cancel", actions.EsimCancelView.as_view(), name="api-esim-cancel"),
]
