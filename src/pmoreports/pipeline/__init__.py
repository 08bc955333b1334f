"""Stage 4, the pipeline: running one report with papermill, the monthly batch (local or
Dask), its progress display and the portfolio outputs. Imports every earlier stage."""
