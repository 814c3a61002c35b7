"""tokenfab.cli stage."""
