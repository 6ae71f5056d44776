"""Filled in by the vision work."""

from fastapi import APIRouter

router = APIRouter()
