"""The HSDS 3.1 publication of the directory, ``/api/hsds/``."""

from django.urls import path

from hsds import views

app_name = "hsds"
urlpatterns = [
    path("", views.ApiInfoView.as_view(), name="info"),
    path("openapi.json", views.OpenApiView.as_view(), name="openapi"),
    path("services", views.ServiceListView.as_view(), name="services"),
    path("services/<str:id>", views.ServiceDetailView.as_view(), name="service"),
    path("organizations", views.OrganisationListView.as_view(), name="organizations"),
    path("organizations/<str:id>", views.OrganisationDetailView.as_view(), name="organization"),
    path(
        "service_at_locations",
        views.ServiceAtLocationListView.as_view(),
        name="service_at_locations",
    ),
    path(
        "service_at_locations/<str:id>",
        views.ServiceAtLocationDetailView.as_view(),
        name="service_at_location",
    ),
    path("taxonomies", views.TaxonomyListView.as_view(), name="taxonomies"),
    path("taxonomies/<str:id>", views.TaxonomyDetailView.as_view(), name="taxonomy"),
    path("taxonomy_terms", views.TaxonomyTermListView.as_view(), name="taxonomy_terms"),
    path("taxonomy_terms/<str:id>", views.TaxonomyTermDetailView.as_view(), name="taxonomy_term"),
]
