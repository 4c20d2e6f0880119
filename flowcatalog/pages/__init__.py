"""Pages: the page model, the Markdown and HTML parsers, rendering and importing."""
