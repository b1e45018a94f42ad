"""Benchmarks: run by `make bench`, never by the test suite (tests assert no wall-clock time).

``python -m bench.gateway`` (``gateway``: the command and the run's order) is built from
``targets`` (the processes under test), ``wrk`` (running wrk, reading its report), ``cpu``
(core pinning, CPU time per request), ``measure`` (one measurement, the median of rounds),
``report`` (the printed table) and ``progress``. ``bench/tests`` tests the pure parts only
(no process is started), so it may run with the test suite.
"""
