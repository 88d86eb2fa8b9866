from partnerhub_core.models import Role
from partnerhub_core.services.admins import AdminInfo
from tests.bot.template_fixtures._features import NAME

ROLES = list(Role)

CASES = {
    "large": {"admins": [AdminInfo(i, NAME[:200], "x@y", ROLES[i % 4], i % 3 == 0, "U" + "9" * 30, 987654)
                         for i in range(700)], "can_manage": True},
    "one": {"admins": [AdminInfo(1, "Ana", "ana@x", Role.FULL_ADMIN, False, None, 0)], "can_manage": False},
}
