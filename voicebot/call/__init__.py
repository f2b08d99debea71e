"""One phone call: the session that wires the stages, and its parts (turn taking, speaking,
consent, survey, transfer, where the call goes next)."""
