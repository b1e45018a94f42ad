"""Benchmarks: run by `make bench`, never by the test suite (DESIGN section 6)."""
