"""Figure recipes and sweeps: theory against simulation, with resumable result files."""
