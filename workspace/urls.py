"""The workspace of social workers and providers (server-rendered pages)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from workspace.views import cases, casework, home, housing, intake, plan, provider, referrals

app_name = "workspace"

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Intake: search first, then register the person, record consent, open a case.
    path("intake/", intake.search, name="intake"),
    path("people/new/", intake.person_new, name="person-new"),
    path("people/<uuid:pk>/", intake.person_detail, name="person"),
    path("people/<uuid:pk>/consents/new/", intake.consent_new, name="consent-new"),
    path("people/<uuid:pk>/cases/new/", intake.case_new, name="case-new"),
    # The case and its parts.
    path("cases/<uuid:pk>/", cases.case_detail, name="case"),
    path("cases/<uuid:pk>/edit/", casework.case_edit, name="case-edit"),
    path("cases/<uuid:pk>/close/", casework.case_close, name="case-close"),
    path("cases/<uuid:pk>/needs/new/", plan.need_new, name="need-new"),
    path("cases/<uuid:pk>/needs/<uuid:need>/resolve/", plan.need_resolve, name="need-resolve"),
    path("cases/<uuid:pk>/goals/new/", plan.goal_new, name="goal-new"),
    path("cases/<uuid:pk>/goals/<uuid:goal>/", plan.goal_update, name="goal-update"),
    path("cases/<uuid:pk>/notes/new/", plan.note_new, name="note-new"),
    # Referrals: the sending team finds a service and refers; the provider answers.
    path("cases/<uuid:pk>/refer/", referrals.refer, name="refer"),
    path("referrals/incoming/", referrals.incoming, name="incoming"),
    path("referrals/<uuid:pk>/", referrals.referral_detail, name="referral"),
    path("referrals/<uuid:pk>/move/", referrals.referral_move_view, name="referral-move"),
    # Housing: find a unit that fits, place, end a placement.
    path("cases/<uuid:pk>/housing/", housing.find_housing, name="housing"),
    path("cases/<uuid:pk>/housing/<int:unit>/place/", housing.place, name="place"),
    path("placements/<uuid:pk>/end/", housing.placement_end_view, name="placement-end"),
    # Providers: free places and opening hours of all the organisation's sites.
    path("provider/", provider.places_and_hours, name="provider"),
]
