"""The geometry page's parts."""
