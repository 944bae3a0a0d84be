"""The cliff page's parts."""
