"""The core of the close: money, rates, periods, the canonical ledger, parsing, findings and the
shape every close step shares.

Pure: pandas frames and pydantic models in, frames and findings out. Nothing here reads a file,
touches Excel or looks at the clock, and nothing here imports any other part of closekit (but
:mod:`closekit.errors`). ``pyarrow`` is an optional speed-up (:mod:`closekit.core.accel`): the core
imports without it, as under Pyodide (xlwings Lite).
"""
