"""Housing stock, placements, availability and the recovery pipeline."""
