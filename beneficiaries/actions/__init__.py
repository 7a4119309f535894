"""Every write to people, cases, consents and referrals: one function per action.

Each is keyword-only with ``acting_user`` first, runs in one transaction, enforces every
rule (scope, role, state, consent, version under a row lock), raises ``ActionError``
naming the field, writes one change-audit row and touches the case's last activity.
Workspace views, the admin and the API call these and only translate input and errors.
"""
