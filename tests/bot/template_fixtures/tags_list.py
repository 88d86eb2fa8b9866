from partnerhub_core.services.tags import TagInfo
from tests.bot.template_fixtures._features import LONG

CASES = {
    "large": {"tags": [TagInfo(i, "<!channel> " + "T" * 14, LONG[:200], 987654) for i in range(1500)],
              "can_edit": True},
    "none": {"tags": [], "can_edit": False},
}
