"""Filled in by the inbox work."""

from fastapi import APIRouter

router = APIRouter()
