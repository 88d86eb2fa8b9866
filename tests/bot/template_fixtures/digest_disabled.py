from partnerhub_core.models import Schedule

LONG = "Ünïcödé «ação» <!channel> & " * 200

CASES = {
    "channel": {"schedule": Schedule(target_id="C1", kind="digest"), "reason": "channel_not_found",
                "when": "weekly on Monday at 09:00 (America/Sao_Paulo)"},
    "large": {"schedule": Schedule(target_id="U1", target_type="dm", kind="report", report_key=LONG[:100]),
              "reason": LONG, "when": LONG},
}
