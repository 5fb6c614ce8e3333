"""newsetl: raw news pages -> clean, validated, queryable tables.

Stage logic lives here as plain functions (no Prefect); ``flows/`` orchestrates them.
"""

__version__ = "0.1.0"
