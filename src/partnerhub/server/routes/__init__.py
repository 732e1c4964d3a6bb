"""HTTP routes, one module per URL family: parse, call a service, serialize; nothing else."""
