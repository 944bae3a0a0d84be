"""The playground page's parts."""
