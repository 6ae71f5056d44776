"""Benchmarks for coproduce: the demo's wall time and Prefect's cost per stage transition.

``python -m bench`` runs both and prints one table; ``python -m bench.demo_time`` and
``python -m bench.transition_cost`` run one each. Results go to ``bench/results/latest.json``.
"""
