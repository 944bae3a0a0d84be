"""The Step inside page's parts."""
