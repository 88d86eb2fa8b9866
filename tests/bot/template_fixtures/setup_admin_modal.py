ROLES = [{"value": v, "label": "Role label " * 10} for v in ("full_admin", "admin", "sales_admin", "read_only")]

CASES = {"default": {"roles": ROLES, "metadata": '{"channel": "C1"}'}}
