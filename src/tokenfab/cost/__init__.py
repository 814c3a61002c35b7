"""tokenfab.cost stage."""
