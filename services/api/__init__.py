"""The public API of the service directory: organisations, services, sites and the
service taxonomy (issue 3, first slice).

Only what the public may see is listed: active organisations, their services that are
active or temporarily closed, their active sites. The address, postal code and
coordinates of a confidential site — or of a site hosting a confidential service — reach
only the active members of the owning organisation, the rule the back office applies
(``services.admin.access.ConfidentialAddressMixin``); everyone else gets ``null`` and the public
contact point.

``near``/``radius_km`` and ``open_now``/``open_at`` search sites and services by distance
and opening hours (issue 3, second slice); a ``near`` search never finds a place whose
coordinates the caller may not see, since its distance would give it away.
"""
