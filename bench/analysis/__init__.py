"""Columnar-engine benchmark for national-scale staff-survey analysis (pandas vs Polars vs DuckDB).

``python -m bench.analysis [--responses 1000000] [--repeats 3]`` generates a seeded synthetic survey
(:mod:`bench.analysis.generate`), runs the same full analysis with each engine
(:mod:`bench.analysis.engines`), each repeat in a fresh subprocess, checks that all engines give
identical counts, prints a table and writes ``bench/results/analysis_engines.json``.
"""
