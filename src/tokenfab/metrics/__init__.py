"""tokenfab.metrics stage."""
