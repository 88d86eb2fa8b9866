from tests.bot.template_fixtures._features import customer, trial

CASES = {"large": {"customer": customer(), "trial": trial(), "days": 90}}
