"""The `linkage-rules` command line: one module per subcommand, dispatched from `main`."""
