"""One package per paper; importing this package registers every theory."""
