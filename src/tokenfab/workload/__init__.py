"""tokenfab.workload stage."""
