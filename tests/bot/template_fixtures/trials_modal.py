import json

from partnerhub_core.models import Product
from partnerhub_core.services import trials
from tests.bot.template_fixtures._features import customer, trial

LIMITS = {"min_licenses": 1, "max_licenses": 1000, "min_days": 1, "max_days": 90, "days": 30}
META = json.dumps({"customer_id": 123456789, "channel": "C" + "0" * 20})

CASES = {
    "large": {"customer": customer(), "products": list(trials.TRIAL_PRODUCTS), "selected": Product.CONTACT_CENTER,
              "running": [trial()] * 30, "metadata": META, "limits": LIMITS},
    "plain": {"customer": customer(), "products": list(trials.TRIAL_PRODUCTS), "selected": None,
              "running": [], "metadata": META, "limits": LIMITS},
}
