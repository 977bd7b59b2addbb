"""The faces of contracts: the Textual console (tui.app) and the command line (tui.cli)."""
