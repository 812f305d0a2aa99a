"""Other sources turned into template-shaped tables and prepared like a template import."""
