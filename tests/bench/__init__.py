"""Benchmarks run by hand or by make targets (``make bench-api``), never by pytest."""
