"""Root pytest configuration: the suite runs on the machine's PostgreSQL and Redis."""
