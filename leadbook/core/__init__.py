"""Pure rules on pandas DataFrames: no file, Excel, clock or printing in here."""
