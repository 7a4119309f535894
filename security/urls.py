"""The account pages: second factor, re-authentication and password reset."""

from django.urls import path  # noqa: F401

app_name = "security"

urlpatterns: list = []
