"""Printed documents as PDFs: pure renderers of frozen DTOs plus the builders that read them.

Importing this package is cheap: ReportLab is only imported by the renderer modules
(`pick_list`, `packing_slip`, `shipping_label`, `labels`, `return_slip`, `command_sheet`), so
the application starts without it. `dto`, `builders`, `formatting` and `barcodes` need no
ReportLab.
"""
