"""Every write to housing: placements and units, one function per action (see
``beneficiaries/actions``)."""
