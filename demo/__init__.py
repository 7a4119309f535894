"""Deterministic demo data for ``manage.py seed_demo``: directory, people, housing, users.

Everything is drawn from one ``random.Random(seed)`` and dated relative to an as-of date,
so the same seed and as-of date give the same plaintext data on any database. The entry
point is ``demo.seeding.seed_demo``.
"""
