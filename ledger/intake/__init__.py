"""The write side: reading import files (``sources``), preparing lines in a producer process
(``preparer``) and validating, resolving and appending them atomically (``batches``)."""
