"""Every table of servitize, imported so that Alembic sees the whole metadata."""

from servitize.contracts import models as contracts_models  # noqa: F401
from servitize.core.db import Base
from servitize.field import models as field_models  # noqa: F401
from servitize.installed_base import models as installed_base_models  # noqa: F401
from servitize.intelligence import models as intelligence_models  # noqa: F401
from servitize.offers import models as offers_models  # noqa: F401
from servitize.sales import models as sales_models  # noqa: F401
from servitize.telemetry import models as telemetry_models  # noqa: F401
from servitize.trust import models as trust_models  # noqa: F401

metadata = Base.metadata
