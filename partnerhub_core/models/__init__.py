"""SQLModel tables of partnerhub.

The partner organization is the tenant: every table that holds customer data carries
``partner_id`` and every query filters on it. Enumerations are stored as short strings
(``StrEnum`` values) so that SQLite and PostgreSQL hold the same thing and a new value
needs no migration. Instants are timezone-aware UTC; days are plain dates.

Modules: ``base`` (base class, enumerations, search keys) · ``tenancy`` (partners, people,
customers, subscriptions, tags, inventory, audit) · ``calling`` · ``delivery`` (reports,
schedules, digests, alerts) · ``operations`` (sync, jobs, credentials, caches, Slack
installations) · ``totals`` (sums kept beside the rows they sum). Import from ``partnerhub_core.models``: every name is re-exported here.
"""
from partnerhub_core.models.base import (  # noqa: F401
    _json, _ts, utcnow, search_key, Table, Region, ManagedBy, Product, ProvisioningState,
    PaymentState, Role, CustomerStatus,
)
from partnerhub_core.models.tenancy import (  # noqa: F401
    Partner, Workspace, PartnerAdmin, Customer, Subscription, TrialRequestState, TrialRequest,
    OrderLine, LicenseSnapshot, Tag, CustomerTag, CustomerAdmin, Location, Device, PhoneNumber,
    AuditEvent,
)
from partnerhub_core.models.calling import (  # noqa: F401
    EndpointType, CallFeature, QueueOutcome, CallLeg, CallRollup, CallIngestBatch,
)
from partnerhub_core.models.delivery import (  # noqa: F401
    ReportTemplate, ScheduleKind, Frequency, TargetType, AlertKind, DeliveryStatus, Schedule,
    ChannelScope, Delivery, AlertState, DigestSnapshot,
)
from partnerhub_core.models.operations import (  # noqa: F401
    SyncState, SourceRefresh, JobOutcome, JobRun, WebexCredential, WorkerHeartbeat,
    RateLimitCounter, AnalyticsCache, SlackInstallation, SlackOAuthState,
)
from partnerhub_core.models.totals import LicenseWeekTotal  # noqa: F401

# Every Session bumps Partner.data_version on writes to figure tables (analytics cache key).
from partnerhub_core import dataversion as _dataversion  # noqa: E402,F401
# ... and recomputes LicenseWeekTotal for the weeks whose snapshots it changed.
from partnerhub_core import snapshot_totals as _snapshot_totals  # noqa: E402,F401
