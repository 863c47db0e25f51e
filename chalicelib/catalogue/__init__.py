"""The procedure catalogue: import from the national JSON shape, sample data, search."""
