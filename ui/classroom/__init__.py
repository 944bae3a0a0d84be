"""The Class page's parts."""
