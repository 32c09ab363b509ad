"""Exchange formats for translation tools (above i18n and review: they read catalogs and review records)."""
