"""The matrix's views: Markdown (``matrix.md``, the README block), the page, the SVG chart.

Each renderer takes a ``model.Matrix`` and returns text; none imports another. Their
shared words, symbols and legend come from ``vocabulary``; their anchors from the matrix;
the pages' one Jinja2 environment from ``core.jinja``.
"""
