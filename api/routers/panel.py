"""Filled in by the panel work."""

from fastapi import APIRouter

router = APIRouter()
