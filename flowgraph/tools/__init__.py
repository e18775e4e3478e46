"""Command-line tools: `python -m flowgraph.tools.inspect_checkpoint`, ..."""
