"""Generated Python: each entity and scoring compiled once into straight-line code."""
