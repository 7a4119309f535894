"""The account pages: second factor, re-authentication and password reset."""

from django.urls import path

from security.views import mfa, password, reauth

app_name = "security"

urlpatterns = [
    # --- Second factor (security/views/mfa.py) ---
    path("verify/", mfa.verify, name="mfa-verify"),
    path("mfa/enrol/", mfa.enrol, name="mfa-enrol"),
    path("mfa/recovery-codes/", mfa.recovery_codes, name="mfa-recovery-codes"),
    path(
        "mfa/recovery-codes/new/",
        mfa.recovery_codes_regenerate,
        name="mfa-recovery-codes-new",
    ),
    # --- Re-authentication before sensitive steps (security/views/reauth.py) ---
    path("reauth/", reauth.reauth, name="reauth"),
    # --- Password reset (security/views/password.py; H2b) ---
    path("password/reset/", password.PasswordResetView.as_view(), name="password-reset"),
    path(
        "password/reset/sent/",
        password.PasswordResetSentView.as_view(),
        name="password-reset-sent",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        password.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        password.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
]
