from datetime import datetime, timezone

from partnerhub_core.models import Role
from partnerhub_core.services.admins import AssignedAdmin
from tests.bot.template_fixtures._features import LONG, NAME, customer

ROLES = list(Role)
AT = datetime(2026, 1, 1, tzinfo=timezone.utc)

CASES = {
    "large": {"customer": customer(), "notice": LONG,
              "admins": [AssignedAdmin(i, NAME[:200], "a" * 300 + "@x", ROLES[i % 4], "id_full_admin", AT)
                         for i in range(400)], "can_manage": True},
    "none": {"customer": customer(), "notice": None, "admins": [], "can_manage": False},
}
