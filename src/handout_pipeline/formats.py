"""The output formats, in build order (the writers' registry, writers/__init__.py, has one module each)."""

FORMATS = ("txt", "docx", "pdf", "mp3")
