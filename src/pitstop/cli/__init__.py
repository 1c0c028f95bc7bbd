"""The command-line front: thin command groups that parse, call the library, render."""
