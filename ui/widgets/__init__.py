"""Shared widgets and models used by several panels."""
