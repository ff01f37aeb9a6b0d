"""Tests for the Qt shell (ui/), driven with pytest-qt offscreen."""
