"""What a `%%grad` cell shows: a plain-data model (CellView), drawn as a widget, static HTML or text."""
from .model import CellView, build_view

__all__ = ["CellView", "build_view"]
