"""Prefect flows: they sequence tasks; each task opens a session and calls one service."""
