"""Packbench's Qt user interface: panels, dialogs and the glue that runs app/ work off the GUI."""
