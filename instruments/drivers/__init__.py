"""Protocol drivers, one module per device family; each registers itself by name."""
