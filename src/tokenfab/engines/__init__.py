"""tokenfab.engines stage."""
