"""Benchmarks for coproduce: one module per figure the issues named, each with ``measure(**keywords)`` and
``rows(result)``, and ``bench.national``, the seeded national-scale data most of them stand on.

``python -m bench`` runs them all one after the other and prints one table (``--quick`` for a smoke run,
``--only NAME,...`` for some, ``--list`` for the names); ``python -m bench.<module>`` runs one with its own
options. Results go to ``bench/results/``.
"""
