"""Packbench domain logic: pure Python services over the database, no Qt."""

__version__ = "0.1.0"
