"""Simulated devices, one module per device family; each registers itself."""
