"""The small kit every capability uses: column types, money, pagination, HTMX, forms, CLI.

Each module is small and stands alone. The kit may use ``servitize.core``; it never imports
``servitize.trust`` or a capability (import-linter keeps it so).
"""
