"""Alembic environment of the app: env.py, the revision template and versions/ (one file per schema change)."""
