"""Concierge: an AI support & sales agent for hospitality and travel companies."""
