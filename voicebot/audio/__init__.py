"""Audio plane: G.711 mu-law codec, resampling and caller turn detection."""
