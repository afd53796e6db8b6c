"""Thin routers: validate, call one service, present."""
