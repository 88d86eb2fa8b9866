from dataclasses import replace

from tests.bot.template_fixtures._features import LONG, card
from tests.bot.template_fixtures.trials_requested import request

STATUSES = [LONG[:80]] * 7

CASES = {
    "large": {"card": card(), "statuses": STATUSES, "can_start_trial": True},
    "no_trial_can_start": {"card": card(n_subs=0, n_trials=0, n_admins=0, tags=0), "statuses": [],
                           "can_start_trial": True},
    "no_trial_read_only": {"card": card(n_subs=1, n_trials=0), "statuses": ["Active"], "can_start_trial": False},
    "region_unknown": {"card": replace(card(), region_known=False), "statuses": STATUSES, "can_start_trial": True},
    "trial_requests_pending": {"card": replace(card(), trial_requests=[request()] * 8), "statuses": STATUSES,
                               "can_start_trial": True},
}
