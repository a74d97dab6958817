"""Kiosque: the responder, the library and history, and the shells that serve them."""
