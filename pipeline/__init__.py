"""Khuyến công Open Data: validate a Frictionless data package and publish it as a static site.

Stages, one module each: load -> validate -> stats -> pages (Pelican plugin) -> export.
"""

__version__ = "0.1.0"
