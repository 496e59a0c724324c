"""Entrypoint: login gate, per-role navigation, frame; then the chosen page (components/frame.py)."""

from components.frame import run_app
from models.config import configure_logging

configure_logging()  # idempotent: once per process
run_app()
