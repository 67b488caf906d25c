"""The Excel edges: ribbon macros (`macros`) and worksheet functions (`udfs`), both via xlwings.

Nothing here imports python-calamine or openpyxl: the same code runs in xlwings Lite (Pyodide).
"""
