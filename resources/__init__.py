"""Packaged resources: stylesheet, icons, fonts and data read through importlib.resources."""
