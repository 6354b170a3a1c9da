"""Features: Elo ratings, the gold feature table (each feature with when it is known), the leakage check."""
