LONG = "Ünïcödé «ação» <!channel> & *bold* " * 120  # ~4,000 characters: clipped to the limits

CASES = {
    "minimal": {"text": "Scoped to this channel: region European Union, tag At risk"},
    "large": {"text": "Scoped to this channel: " + LONG},
}
