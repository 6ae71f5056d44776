"""Filled in by the api_panel work."""

from fastapi import APIRouter

router = APIRouter()
