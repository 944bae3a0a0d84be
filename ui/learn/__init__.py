"""The learn page's parts."""
