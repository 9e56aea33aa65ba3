"""Khuyến công Open Data: validate a Frictionless data package and publish it as a static site.

Stages, one module each: load -> validate -> stats -> pages (Pelican plugin) -> export.
"""

__version__ = "0.1.0"

import os as _os

# Arrow (the loader's CSV reader) allocates with the C library's malloc instead of its own
# mimalloc, which kept about 50 MB after a national validation that only Arrow could reuse;
# freed, that memory serves the build's frames. Same speed. Read when pyarrow is first
# imported, which pandas does on import: so it is set here, first.
_os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

import pandas as _pd

# pyarrow is installed (the loader's CSV reader), and pandas 3 would then keep every text
# column as Arrow strings. Our checks and pages compare and format Python strings; with
# Arrow storage a national validation took twice as long. The loader hands pandas Python
# strings, and text columns stay so.
_pd.set_option("mode.string_storage", "python")
