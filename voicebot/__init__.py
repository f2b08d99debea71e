"""voicebot: a Spanish-speaking Twilio voice agent for a Colombian retail store."""

__version__ = "0.1.0"
