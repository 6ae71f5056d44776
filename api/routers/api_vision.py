"""Filled in by the api_vision work."""

from fastapi import APIRouter

router = APIRouter()
