"""The REST API's plumbing every app's API stands on: base views and schema, endpoint rules,
rate limits, related values and the write path (strict input, versions, refusals)."""
