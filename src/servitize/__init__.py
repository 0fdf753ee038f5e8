"""servitize: sell Smart product-service systems from the installed base to renewal."""

__version__ = "0.1.0"
