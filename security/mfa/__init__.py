"""The second factor at login: TOTP devices, recovery codes and the gate that asks for
them (django-otp, docs/security.md)."""
