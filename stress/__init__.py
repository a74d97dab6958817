"""Stress checks (hostile questions, hostile sources, kills mid-reindex) for ``make stress``."""
