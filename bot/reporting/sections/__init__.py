"""One module per section of the post-incident report, each built from the typed timeline."""
