"""Dialogue: language-model backends behind one contract, and the policy around them."""
