"""Stage 3, reports: parameters, project and portfolio report objects, charts, HTML/PDF
rendering and Excel export. Imports metrics, workbook and the top level."""
