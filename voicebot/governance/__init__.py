"""Data protection (Ley 1581 de 2012): redaction of personal data before it is shown or kept."""
