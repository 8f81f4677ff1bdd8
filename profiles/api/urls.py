from django.urls import path

from profiles.api import views

urlpatterns = [
    path("countries", views.CountryListView.as_view(), name="api-countries"),
    path("regions", views.RegionListView.as_view(), name="api-regions"),
]
