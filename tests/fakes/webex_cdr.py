"""Records of Webex's detailed call history (``GET /cdr_feed``) as the stand-in serves them.

Only the keys the feed documents (developer.webex.com, "Get Detailed Call History";
docs/webex-sources.md): a test that reaches for a key the feed does not have (a queue
outcome, a wait, a jitter figure) fails here instead of testing a field Webex never sends.
Values are strings as in the feed's examples, except "Duration", "Ring duration" and
"Hold Duration" (numbers); "" and "NA" mean missing. Put the records in
``FakeWebex.cdr[org_id]``; the stand-in pages them by "Release time".
"""
from __future__ import annotations

from typing import Any

DOCUMENTED_KEYS = frozenset({
    "Answer indicator", "Answer time", "Answered", "Answered Elsewhere", "Authorization code",
    "Auto Attendant Key Pressed", "Call ID", "Call outcome", "Call outcome reason",
    "Call Recording Platform Name", "Call Recording Result", "Call Recording Trigger",
    "Call transfer Time", "Call type", "Called line ID", "Called number", "Caller ID number",
    "Calling line ID", "Calling number", "Client type", "Client version", "Correlation ID",
    "Department ID", "Device MAC", "Device owner UUID", "Dialed digits", "Direction", "Duration",
    "External caller ID number", "Final local SessionID", "Final remote SessionID", "Hold Duration",
    "Inbound trunk", "Interaction ID", "International country", "Local call ID", "Local SessionID",
    "Location", "Model", "Network call ID", "OS type", "Org UUID", "Original reason",
    "Original Called Party UUID", "Outbound trunk", "PSTN Legal Entity", "PSTN Provider ID",
    "PSTN Vendor Name", "PSTN Vendor Org ID", "Public Called IP Address", "Public Calling IP Address",
    "Queue Type", "Recall Type", "Redirect reason", "Redirecting number", "Redirecting party UUID",
    "Related call ID", "Related reason", "Release time", "Releasing party", "Remote call ID",
    "Remote SessionID", "Report ID", "Report time", "Ring duration", "Route group",
    "Route list calls overage", "Site main number", "Site timezone", "Site UUID", "Start time",
    "Sub client type", "Transfer related call ID", "Transfer type", "User", "User number",
    "User type", "User UUID",
})


def cdr_record(call_id: str, org_uuid: str, start: str, release: str, **fields: Any) -> dict[str, Any]:
    """One record, documented keys only (``fields`` by their feed names, spaces and all,
    passed as ``**{"Ring duration": 20}``)."""
    record: dict[str, Any] = {
        "Start time": start, "Answer time": "NA", "Release time": release, "Duration": 0,
        "Answered": "false", "Direction": "TERMINATING", "Call type": "SIP_ENTERPRISE",
        "User type": "User", "Org UUID": org_uuid, "Call ID": call_id,
        "Correlation ID": f"corr-{call_id}", "Location": "HQ", "Site UUID": "site-1",
        "Model": "", "Client type": "SIP", "Report ID": f"report-{call_id}",
    }
    record.update(fields)
    unknown = set(record) - DOCUMENTED_KEYS
    if unknown:
        raise KeyError(f"not a documented CDR field: {sorted(unknown)}")
    return record


def queue_entry(call_id: str, org_uuid: str, start: str, release: str, **fields: Any) -> dict[str, Any]:
    """The record a call queue service writes for a call it received."""
    return cdr_record(call_id, org_uuid, start, release, **{
        "User type": "CallCenterStandard", "User": "Support queue", "Queue Type": "Call Queue",
        "Client type": "", **fields})


def agent_leg(call_id: str, org_uuid: str, start: str, release: str, **fields: Any) -> dict[str, Any]:
    """An agent's leg of a queued call ("denotes a member of the call queue")."""
    return cdr_record(call_id, org_uuid, start, release, **{
        "Related reason": "CallQueue", "Queue Type": "Call Queue", "Model": "Cisco 8845", **fields})
