"""Khuyến công Open Data: validate a Frictionless data package and publish it as a static site.

Stages, one module each: load -> validate -> stats -> pages (Pelican plugin) -> export.
"""

__version__ = "0.1.0"

import pandas as _pd

# pyarrow is installed (the loader's CSV reader), and pandas 3 would then keep every text
# column as Arrow strings. Our checks and pages compare and format Python strings; with
# Arrow storage a national validation took twice as long. The loader hands pandas Python
# strings, and text columns stay so.
_pd.set_option("mode.string_storage", "python")
