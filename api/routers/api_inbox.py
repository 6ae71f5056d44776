"""Filled in by the api_inbox work."""

from fastapi import APIRouter

router = APIRouter()
