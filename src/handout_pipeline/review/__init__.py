"""Clinical review: sign-off records beside each catalog, source stamps in the PO, worksheets, approval."""
