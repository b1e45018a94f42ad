"""Moving a context's data into its new service: ``python -m strangler migrate ...``.

``backfill`` copies a context's tables from the monolith's database into the service's in
key-ordered chunks (COPY on PostgreSQL, resumable); ``verify`` compares row counts and
per-chunk checksums computed inside each database and names every differing key. The
runbook is ``docs/migrating-data.md``.
"""
