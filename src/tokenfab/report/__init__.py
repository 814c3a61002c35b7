"""tokenfab.report stage."""
