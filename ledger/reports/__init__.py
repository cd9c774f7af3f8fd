"""Renderers: turn read models (scoreboards, explanations, bulletins) into tables, CSV,
JSON, Markdown, HTML and Excel. They compute nothing; every number comes from projections."""
