"""The Pitfall labs page's parts."""
