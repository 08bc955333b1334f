"""Stage 1, the workbook: the schema (the data contract), the template writer, the reader and
checker, and the demo portfolio. Imports only the top-level ``errors``/``paths``/``_files``."""
