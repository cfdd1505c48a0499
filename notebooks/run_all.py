#!/usr/bin/env python3
"""Executes every notebook in this folder with nbclient; fails on the first error.

    python3 notebooks/run_all.py            # check they run (outputs not written)
    python3 notebooks/run_all.py --write    # and save the executed notebooks
"""
import pathlib
import sys

import nbformat
from nbclient import NotebookClient

here = pathlib.Path(__file__).resolve().parent
write = "--write" in sys.argv
for path in sorted(here.glob("*.ipynb")):
    nb = nbformat.read(path, as_version=4)
    print(f"executing {path.name} ...", flush=True)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(here)}}).execute()
    if write:
        nbformat.write(nb, path)
print("all notebooks ran")
