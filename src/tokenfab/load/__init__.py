"""tokenfab.load stage."""
