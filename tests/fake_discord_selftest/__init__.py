"""Self-test of the loopback Discord fake with a real discord.py client."""
