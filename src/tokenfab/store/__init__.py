"""tokenfab.store stage."""
