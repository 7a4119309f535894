"""People and their cases: protected identity, cases, needs, referrals, consent, notes."""
