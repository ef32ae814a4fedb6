"""Renderers of the post-incident report that need third-party libraries (the PDF)."""
