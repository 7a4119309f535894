"""Every write to the service directory: organisations, services, sites, services at
sites, their capacity (free places) and opening hours, one function per action.

Each is keyword-only with ``acting_user`` first, runs in one transaction, checks who may
write (``scope.py``: the provider staff of the owning organisation, or an administrator),
compares the version the caller read under a row lock, raises ``ActionError`` naming the
field and writes one change-audit row. The workspace's provider pages, the admin and the
API call these and only translate input and errors.
"""
