"""Routers, one per kind of user or concern; every route's permission is in api/permissions.py."""
