"""Every action, block and callback id of the app, in one place.

Templates get the enums as globals (``{{ ActionId.HELP_TOPIC|tojson }}``) and listeners register on
the same members, so a button and its listener cannot drift apart. Add members here;
never type an id as a string literal in a template or a listener.
"""
from __future__ import annotations

from enum import StrEnum


class ActionId(StrEnum):
    # navigation shared by every feature
    OPEN_SECTION = "ph_open_section"  # value: a section key (recent, expiring, ...)
    RUN_COMMAND = "ph_run_command"  # value: subcommand text, e.g. "kpis calling"
    SHARE = "ph_share"  # value: the command text whose private answer is posted in the channel
    OPEN_URL = "ph_open_url"  # link buttons (Slack still sends an action; we ack it)
    PAGE = "ph_page"  # value: JSON {"cmd": ..., "page": n}
    # setup (F26)
    SETUP_OPEN = "ph_setup_open"
    SETUP_ADD_ADMIN = "ph_setup_add_admin"
    # help and resources (F27)
    HELP_TOPIC = "ph_help_topic"  # value: a subcommand name
    RESOURCE_FILTER = "ph_resource_filter"  # static select: category
    # home
    HOME_REFRESH = "ph_home_refresh"
    HOME_PRODUCT = "ph_home_product"  # value: meetings | calling
    # customers, trials, analytics (F1-F15, F30); ":<suffix>" variants keep ids unique in a block
    CUSTOMER_OPEN = "ph_customer_open"  # value: customer id
    CUSTOMERS_PAGE = "ph_customers_page"  # value: JSON {"f": filters, "p": page}
    TRIAL_OPEN = "ph_trial_open"  # value: customer id; opens the trial modal
    ANALYTICS_VIEW = "ph_analytics_view"  # value: JSON {"k": section, "p": product, "r": region, "t": tag}
    ANALYTICS_DOWNLOAD_CSV = "ph_analytics_csv"  # value: as ANALYTICS_VIEW
    ANALYTICS_DOWNLOAD_XLSX = "ph_analytics_xlsx"  # value: as ANALYTICS_VIEW
    # calling analytics and reports (F16-F25)
    CALLING_VIEW = "ph_calling_view"  # value: JSON {"k": usage|quality|features|queues, "r": region, "t": tag}
    CALLING_DOWNLOAD_CSV = "ph_calling_csv"  # value: as CALLING_VIEW
    CALLING_DOWNLOAD_XLSX = "ph_calling_xlsx"  # value: as CALLING_VIEW
    AUDIT_DOWNLOAD_CSV = "ph_audit_csv"  # value: the audit command's filters ("acme since:2026-11-01")
    # a table as a file (issue 17 item 8): action id "<id>:csv" or "<id>:xlsx" (bot/table_files.py)
    CUSTOMERS_FILE = "ph_customers_file"  # value: JSON {"f": filters} (as CUSTOMERS_PAGE, no page)
    ADMINS_FILE = "ph_admins_file"  # value: ""
    CALLING_ENDPOINTS_FILE = "ph_calling_endpoints_file"  # value: as CALLING_VIEW
    AUDIT_FILE = "ph_audit_file"  # value: as AUDIT_DOWNLOAD_CSV
    REPORT_RUN = "ph_report_run"  # value: JSON {"n": report, "r": region, "s": start, "e": end, "f": csv|xlsx}
    REPORT_FILE = "ph_report_file"  # "<id>:xlsx": the same report as XLSX; value as REPORT_RUN
    # digests and alerts (F29)
    ALERT_MENU = "ph_alert_menu"  # overflow: "ack|snooze|owner" + "|<kind>|<customer id>|<fingerprint>"


class BlockId(StrEnum):
    SETUP_PARTNER_NAME = "ph_setup_partner_name"
    SETUP_WEBEX_ORG = "ph_setup_webex_org"
    SETUP_REGION = "ph_setup_region"
    SETUP_LANGUAGE = "ph_setup_language"
    SETUP_EMAIL = "ph_setup_email"
    SETUP_USER = "ph_setup_user"
    SETUP_ROLE = "ph_setup_role"
    SETUP_ALL_CUSTOMERS = "ph_setup_all_customers"
    RESOURCE_QUERY = "ph_resource_query"
    TRIAL_PRODUCT = "ph_trial_product"
    TRIAL_LICENSES = "ph_trial_licenses"
    TRIAL_DAYS = "ph_trial_days"
    ALERT_SNOOZE_UNTIL = "ph_alert_snooze_until"  # datepicker
    ALERT_OWNER_USER = "ph_alert_owner_user"  # users_select
    SYNC_IMPORT_FILE = "ph_sync_import_file"  # file_input: a subscription CSV


class CallbackId(StrEnum):
    SETUP_LINK = "ph_setup_link"  # first-run: link the workspace to a partner
    SETUP_ADMIN = "ph_setup_admin"  # map a Slack user to a partner admin role
    SETUP_DEFAULTS = "ph_setup_defaults"  # default region and language
    TRIAL_START = "ph_trial_start"  # the trial modal (F5)
    ALERT_SNOOZE = "ph_alert_snooze"  # snooze an alert until a date
    ALERT_OWNER = "ph_alert_owner"  # name who follows an alert up
    SYNC_IMPORT = "ph_sync_import"  # upload a subscription CSV (full admins)

