"""Warm transfer to human agents: rules, the agent's summary, Twilio REST, the agent desk."""
