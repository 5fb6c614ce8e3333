"""The warehouse and its catalog as the command line opens them, for tests."""

from __future__ import annotations


def warehouse_at(root):
    """The warehouse at ``root`` (a path, a URI or a resolved Location) with the
    environment's settings, as the command line makes it."""
    from newsetl.land import Location, Warehouse
    from newsetl.settings import Settings

    return Warehouse(root) if isinstance(root, Location) else Warehouse.at(root, Settings())


def query_catalog(root, query: str, **limits):
    """``newsetl sql``'s answer (columns, rows) from the catalog of the warehouse at ``root``;
    ``limits``: timeout_seconds, memory_limit (default: the settings')."""
    from newsetl.land import catalog
    from newsetl.settings import Settings

    settings = Settings()
    limits = {"timeout_seconds": settings.sql_timeout_seconds, "memory_limit": settings.sql_memory_limit, **limits}
    return catalog.query(warehouse_at(root).catalog_path, query, **limits)
