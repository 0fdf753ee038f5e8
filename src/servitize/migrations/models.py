"""Every table of servitize, imported so that Alembic sees the whole metadata: the models of
each capability that servitize.capabilities lists."""

from importlib import import_module

from servitize.capabilities import model_modules
from servitize.core.db import Base

for _module in model_modules():
    import_module(_module)

metadata = Base.metadata
