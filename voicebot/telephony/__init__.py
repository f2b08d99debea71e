"""Twilio edge: webhook TwiML, signatures, the Media Streams wire protocol and pacing."""
