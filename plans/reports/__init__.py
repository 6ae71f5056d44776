"""The final report of a plan: its charts, its HTML and PDF, and its CSV exports."""
