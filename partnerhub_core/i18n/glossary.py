"""Partner Hub's own words, in English, Portuguese (Brazil) and Spanish.

Partner admins know these names from Partner Hub and its guide (Cisco's Partner Hub
help articles in Portuguese and Spanish), and they build spreadsheets on the
report headers. So the status names, KPI and section titles, table columns and report
columns below are translated with the guide's wording, not freshly: each ``Term`` holds
the English message id (the gettext msgid, marked for extraction) and the guide's
Portuguese and Spanish text. ``tests/core/test_i18n.py`` checks that the catalogs say
exactly this, so a later translation pass cannot drift from the guide.

Where the guide left an English word inside a translated heading ("Used/Assigned/Available
licenças", "Licenças used(%)"), the heading is translated fully; everything else, report
columns included, is the guide's text verbatim.

Status names carry the gettext context ``customer status`` because "Active" is also a
column of the phone numbers report, with another translation ("Ativo", "Activo").
"""
from __future__ import annotations

from dataclasses import dataclass

from partnerhub_core.i18n import N_, pN_, translations
from partnerhub_core.models import CustomerStatus

STATUS_CONTEXT = "customer status"


@dataclass(frozen=True)
class Term:
    msgid: str  # English, as the code and the templates write it
    pt_BR: str
    es: str
    context: str | None = None

    def in_(self, locale: str) -> str:
        return {"pt_BR": self.pt_BR, "es": self.es}.get(locale, self.msgid)


def _s(msgid: str, pt_BR: str, es: str) -> Term:
    return Term(msgid, pt_BR, es, STATUS_CONTEXT)


# --- Customer statuses (SPEC F1) -------------------------------------------------
# The extraction marks (pN_) must hold literal strings, hence the repeated context.
STATUS_TERMS: dict[CustomerStatus, Term] = {
    CustomerStatus.TRIAL: _s(pN_("customer status", "Trial"), "Teste", "Prueba"),
    CustomerStatus.ACTIVE: _s(pN_("customer status", "Active"), "Assinatura", "Suscripción"),
    CustomerStatus.EXPIRING_SOON: _s(
        pN_("customer status", "Expiring soon"), "Expira em breve", "Vence pronto"
    ),
    CustomerStatus.LICENSE_OVERAGE: _s(
        pN_("customer status", "License overage"), "Excesso de licenças", "Exceso de licencia"
    ),
    CustomerStatus.NO_RECENT_ACTIVITY: _s(
        pN_("customer status", "No recent activity"), "Nenhuma atividade recente", "Sin actividad reciente"
    ),
    CustomerStatus.READY_FOR_ORDER_SETUP: _s(
        pN_("customer status", "Ready for order setup"),
        "Pronto para configuração do pedido",
        "Listo para configurar el pedido",
    ),
    CustomerStatus.SUSPENDED: _s(pN_("customer status", "Suspended"), "Suspenso", "Suspendido"),
    CustomerStatus.EXPIRED: _s(pN_("customer status", "Expired"), "Expirado", "Vencido"),
}

# The same names written without the context elsewhere (digest KPIs, filters): they must
# read the same. ("Active" is left out: without context it is the report column.)
STATUS_PLAIN_TERMS = tuple(
    Term(msgid, term.pt_BR, term.es)
    for msgid, term in (
        (N_("Trial"), STATUS_TERMS[CustomerStatus.TRIAL]),
        (N_("Expiring soon"), STATUS_TERMS[CustomerStatus.EXPIRING_SOON]),
        (N_("License overage"), STATUS_TERMS[CustomerStatus.LICENSE_OVERAGE]),
        (N_("No recent activity"), STATUS_TERMS[CustomerStatus.NO_RECENT_ACTIVITY]),
        (N_("Ready for order setup"), STATUS_TERMS[CustomerStatus.READY_FOR_ORDER_SETUP]),
        (N_("Suspended"), STATUS_TERMS[CustomerStatus.SUSPENDED]),
        (N_("Expired"), STATUS_TERMS[CustomerStatus.EXPIRED]),
    )
)

STATUS_DESCRIPTIONS: dict[CustomerStatus, Term] = {
    CustomerStatus.TRIAL: Term(
        N_("The customer has an ongoing Webex trial."),
        "O cliente tem um teste Webex em andamento.",
        "El cliente tiene una prueba de Webex en curso.",
    ),
    CustomerStatus.ACTIVE: Term(
        N_("The customer has an active subscription."),
        "O cliente tem uma assinatura ativa.",
        "El cliente tiene una suscripción activa.",
    ),
    CustomerStatus.EXPIRING_SOON: Term(
        N_("A subscription or trial of the customer expires in a few days."),
        "A assinatura ou teste de um cliente irá expirar em alguns dias.",
        "Una de las suscripciones o pruebas del cliente vencerá en un par de días.",
    ),
    CustomerStatus.LICENSE_OVERAGE: Term(
        N_("The customer has a subscription that uses more licenses than it bought."),
        "O cliente tem uma assinatura que usa mais licenças do que as compradas originalmente.",
        "El cliente tiene una suscripción que utiliza más licencias que las que compró originalmente.",
    ),
    CustomerStatus.NO_RECENT_ACTIVITY: Term(
        N_("The customer's own admins have not signed in to Control Hub recently."),
        "Os administradores da organização do cliente não fizeram login no Control Hub recentemente.",
        "Los administradores de esa organización de cliente no han iniciado sesión en Control Hub recientemente.",
    ),
    CustomerStatus.READY_FOR_ORDER_SETUP: Term(
        N_("A subscription is not fully set up yet."),
        "Uma assinatura ainda não foi totalmente configurada.",
        "Aún no se ha configurado completamente una suscripción.",
    ),
    CustomerStatus.SUSPENDED: Term(
        N_("One of the customer's subscriptions has not been paid."),
        "Uma das assinaturas do cliente ainda não foi paga.",
        "Una de las suscripciones del cliente aún no se ha pagado.",
    ),
    CustomerStatus.EXPIRED: Term(
        N_("The customer has no active subscription or trial."),
        "O cliente não tem assinaturas ativas.",
        "El cliente no tiene suscripciones activas.",
    ),
}

# --- Customer list filters (F4) and regions (F8) --------------------------------
FILTER_TERMS = (
    Term(N_("Managed by"), "Gerenciado por", "Administrado por"),
    Term(N_("Product"), "Produto", "Producto"),
    Term(N_("Status"), "Status", "Estado"),
    Term(N_("Subscription type"), "Tipo de assinatura", "Tipo de suscripción"),
    Term(N_("Real-Time Translations"), "Traduções em tempo real", "Real-Time Translations"),
)

REGION_TERMS = {
    "US": Term(N_("United States"), "Estados Unidos", "Estados Unidos"),
    "CA": Term(N_("Canada"), "Canadá", "Canadá"),
    "EU": Term(N_("European Union"), "União Europeia", "Unión Europea"),
    "UAE": Term(N_("United Arab Emirates"), "Emirados Árabes Unidos", "Emiratos Árabes Unidos"),
}

# --- Headline KPIs (F9) and the analytics sections (F10–F15) -----------------------
# English msgids as analytics/subscriptions.py writes them; pt/es from the guide.
KPI_TERMS = (
    Term(N_("Headline KPIs"), "Principais indicadores de desempenho (KPIs)",
         "Indicadores clave de rendimiento (KPI)"),
    Term(N_("Total customers"), "Total de clientes", "Total de clientes"),
    Term(N_("Approaching expiration"), "Aproximando-se da expiração", "Próximo a vencimiento"),
    Term(N_("Upcoming renewal"), "Renovação iminente", "Próxima renovación"),
    Term(N_("Low license assignment"), "Baixa atribuição de licenças", "Asignación baja de licencias"),
    Term(N_("Exceeded license limit"), "Excedeu o limite de licença", "Exceso del límite de licencias"),
    Term(N_("License distribution trend"), "Tendência de distribuição de licenças",
         "Tendencia en la distribución de licencias"),
    Term(N_("New customers"), "Novos clientes", "Nuevos clientes"),
    Term(N_("Total licenses"), "Total de licenças", "Total de licencias"),
    Term(N_("Customers expiring"), "Clientes prestes a expirar", "Clientes que vencen"),
    Term(N_("License assignment"), "Atribuição de licença", "Asignación de licencias"),
    Term(N_("License usage (last 7 days)"), "Uso de licença (últimos 7 dias)", "Uso de licencias (últimos 7 días)"),
    Term(N_("Customers renewing"), "Renovação de clientes", "Clientes que renuevan"),
    Term(N_("Customers with low assignment"), "Clientes com baixa atribuição", "Clientes con baja asignación"),
    Term(N_("Usage when assigned"), "Uso de licença quando atribuída", "Uso de licencias cuando se asignan"),
    Term(N_("Total unassigned licenses"), "Total de licenças não atribuídas", "Total de licencias no asignadas"),
    Term(N_("Customers with overage"), "Clientes com excedentes", "Clientes con excedentes"),
    Term(N_("Total overage licenses"), "Total de licenças em excesso", "Total de licencias en excedentes"),
    Term(N_("Average overage per customer"), "Excesso médio de licenças por cliente",
         "Exceso promedio de licencias por cliente"),
)

SECTION_TERMS = (
    Term(N_("Recently added (last {days} days)"), "Clientes adicionados recentemente (últimos {days} dias)",
         "Clientes agregados recientemente (últimos {days} días)"),
    Term(N_("Expiring in the next {days} days"), "Prestes a expirar nos próximos {days} dias",
         "A punto de caducar en los próximos {days} días"),
    Term(N_("Renewing in the next {days} days (auto-renew)"),
         "Prestes a serem renovadas nos próximos {days} dias (renovação automática)",
         "A punto de renovarse en los próximos {days} días (renovación automática)"),
    Term(N_("Over the license limit"), "Clientes acima do limite de licenças",
         "Clientes que superan el límite de licencias"),
)

# Table columns of the analytics sections (F11–F15), in the guide's words.
TABLE_COLUMN_TERMS = (
    Term(N_("Customer"), "Cliente", "Cliente"),
    Term(N_("Subscription ID"), "ID da assinatura", "ID de suscripción"),
    Term(N_("Days since added"), "Dias desde a adição", "Días desde que se agregó"),
    Term(N_("Weekly change in assigned"), "Alteração na atribuição semanal", "Cambio de asignación semanal"),
    Term(N_("Weekly change in used"), "Alteração no uso semanal", "Cambio de uso semanal"),
    Term(N_("Days until expiry"), "Dias até o vencimento", "Días hasta el vencimiento"),
    Term(N_("Used in the last 3 months"), "Uso nos últimos 3 meses", "Uso en los últimos 3 meses"),
    Term(N_("Days until renewal"), "Dias até a renovação", "Días hasta la renovación"),
    Term(N_("Months since added"), "Meses desde a adição", "Meses desde que se agregó"),
    Term(N_("Months remaining"), "Meses restantes", "Meses restantes"),
    Term(N_("Auto-renew"), "Renovação automática", "Renovación automática"),
)

# --- Webex Calling analytics (F16–F19), as analytics/calling.py writes them ---------
CALLING_TERMS = (
    Term(N_("Call usage"), "Uso de chamadas", "Uso de llamadas"),
    Term(N_("Call quality"), "Qualidade das chamadas", "Calidad de las llamadas"),
    Term(N_("Advanced calling features"), "Recursos avançados de chamada", "Funciones de llamada avanzadas"),
    Term(N_("Call queue insights"), "Insights sobre a fila de chamadas", "Información sobre la cola de llamadas"),
    Term(N_("Endpoint type"), "Tipo de ponto de extremidade", "Tipo de punto final"),
    Term(N_("Desk phone"), "Telefone de mesa", "Teléfono de escritorio"),
    Term(N_("Room device"), "Dispositivo de sala", "Dispositivo de sala"),
    Term(N_("Webex App"), "Aplicativo Webex", "Webex App"),
    Term(N_("Third-party device"), "Dispositivo de terceiros", "Dispositivo de terceros"),
    Term(N_("Call queue"), "Fila de chamadas", "Cola de llamadas"),
    Term(N_("Hunt group"), "Grupo de busca", "Grupo de búsqueda"),
    Term(N_("Auto attendant"), "Atendimento automático", "Asistente automático"),
    Term(N_("Average answer time (s)"), "Tempo médio de resposta (s)", "Tiempo promedio de respuesta (s)"),
    Term(N_("Average wait before abandoning (s)"), "Tempo médio de espera antes do abandono (s)",
         "Tiempo promedio de espera antes del abandono (s)"),
    Term(N_("Abandoned-call rate"), "Taxa de chamadas abandonadas", "Tasa de llamadas abandonadas"),
)

# --- Reports (F21–F25): template names and columns, in SPEC order -------------------
# Report template names: the first part of the F21 file name.
REPORT_NAME_TERMS = {
    "call-usage": Term(N_("Call Usage Details"), "Detalhes de uso de chamadas", "Detalles de uso de llamadas"),
    "devices": Term(N_("Devices"), "Dispositivos", "Dispositivos"),
    "numbers": Term(N_("Phone Numbers"), "Números de telefone", "Números de teléfono"),
}

CALL_USAGE_COLUMNS = (
    Term(N_("Customer Name"), "Nome do cliente", "Nombre del cliente"),
    Term(N_("Org ID"), "ID da organização", "ID de la organización"),
    Term(N_("Location"), "Local", "Ubicación"),
    Term(N_("Total Calls"), "Total de chamadas", "Total de llamadas"),
    Term(N_("Total Call Legs"), "Total de trechos de chamadas", "Total de tramos de llamada"),
    Term(N_("Total Poor Quality Call Legs"), "Pernas de chamada de qualidade totalmente ruim",
         "Piernas de llamada de mala calidad total"),
    Term(N_("Call Minutes"), "Minutos de chamada", "Minutos de llamada"),
    Term(N_("Call Minutes - Video"), "Ata de chamada - Vídeo", "Minutos de llamada - Vídeo"),
    Term(N_("Call Legs - Audio"), "Pernas de chamada - Áudio", "Llamada de piernas - Audio"),
    Term(N_("Call Legs - Video"), "Pernas de chamada - Vídeo", "Llamada de piernas - Vídeo"),
    Term(N_("Call Legs - Desk Phone"), "Ligações - Telefone de mesa", "Piernas de llamada - Teléfono de escritorio"),
    Term(N_("Call Legs - Room Device"), "Pernas de chamada - Dispositivo de sala",
         "Piernas de llamada - Dispositivo de sala"),
    Term(N_("Call Legs - Other Devices"), "Pernas de chamada - Outros dispositivos",
         "Piernas de llamada - Otros dispositivos"),
    Term(N_("Calls - Hunt Group Calls"), "Chamadas - Chamadas de Grupo de Caça",
         "Llamadas - Llamadas de grupo de búsqueda"),
    Term(N_("Calls - Auto Attendant Calls"), "Chamadas - Chamadas de Atendimento Automático",
         "Llamadas - Llamadas del asistente automático"),
    Term(N_("Call Queue - Total Calls"), "Fila de chamadas - Total de chamadas", "Cola de llamadas - Total de llamadas"),
    Term(N_("Call Queue - Timed Out Calls"), "Fila de chamadas - Chamadas com tempo limite esgotado",
         "Cola de llamadas: llamadas con tiempo de espera agotado"),
    Term(N_("Call Queue - Overflow Calls"), "Fila de chamadas - Chamadas excedentes",
         "Cola de llamadas - Llamadas desbordadas"),
    Term(N_("Call Queue - Transferred Calls"), "Fila de chamadas - Chamadas transferidas",
         "Cola de llamadas - Llamadas transferidas"),
    Term(N_("Call Queue - Abandoned Calls"), "Fila de chamadas - Chamadas abandonadas",
         "Cola de llamadas - Llamadas abandonadas"),
)

_EXTERNAL_ID = Term(N_("External ID"), "ID externa", "ID externo")
_CUSTOMER = Term(N_("Customer"), "Cliente", "Cliente")
_CUSTOMER_ORG_ID = Term(N_("Customer Org ID"), "ID da organização do cliente", "ID de la organización del cliente")
_LOCATION_ID = Term(N_("Location ID"), "ID de localização", "ID de ubicación")
_LOCATION_NAME = Term(N_("Location Name"), "Nome da localização", "Nombre de la ubicación")
_PHONE_NUMBER = Term(N_("Phone Number"), "Número de telefone", "Número de teléfono")
_EXTENSION = Term(N_("Extension"), "Ramal", "Extensión")
_USER_ID = Term(N_("User ID"), "ID do usuário", "ID de usuario")
_USER_UUID = Term(N_("User UUID"), "UUID do usuário", "UUID del usuario")

DEVICES_COLUMNS = (
    _EXTERNAL_ID,
    _CUSTOMER,
    _CUSTOMER_ORG_ID,
    _LOCATION_ID,
    _LOCATION_NAME,
    Term(N_("Product"), "Produto", "Producto"),
    Term(N_("MAC"), "MAC", "MAC"),
    Term(N_("Firmware"), "Firmware", "Firmware"),
    _PHONE_NUMBER,
    _EXTENSION,
    _USER_ID,
    _USER_UUID,
)

NUMBERS_COLUMNS = (
    _EXTERNAL_ID,
    _CUSTOMER,
    _CUSTOMER_ORG_ID,
    _LOCATION_ID,
    _LOCATION_NAME,
    Term(N_("Country"), "País", "País"),
    _PHONE_NUMBER,
    _EXTENSION,
    Term(N_("PSTN Connection"), "Conexão PSTN", "Conexión PSTN"),
    Term(N_("Active"), "Ativo", "Activo"),
    Term(N_("User Type"), "Tipo de usuário", "Tipo de usuario"),
    Term(N_("Number Type"), "Tipo de número", "Tipo de número"),
    _USER_ID,
    _USER_UUID,
)

# Values that appear in the phone numbers report's cells.
NUMBER_VALUE_TERMS = (
    Term(N_("Inactive"), "Inativo", "Inactivo"),
    Term(N_("Primary"), "Principal", "Principal"),
    Term(N_("Secondary"), "Secundário", "Secundario"),
    Term(N_("People"), "Pessoas", "Personas"),
    Term(N_("Virtual Line"), "Linha Virtual", "Línea virtual"),
    Term(N_("Workspace"), "Espaço de trabalho", "Espacio de trabajo"),
    Term(N_("Auto Attendant"), "Atendimento automático", "Operador automático"),
    Term(N_("Call Queue"), "Fila de chamadas", "Cola de llamadas"),
    Term(N_("Hunt Group"), "Grupo de busca", "Grupo de búsqueda"),
    Term(N_("Paging Group"), "Grupo de paging", "Grupo de megafonía"),
    Term(N_("Voicemail Group"), "Grupo de correio de voz", "Grupo de correo de voz"),
    Term(N_("Voice Messaging"), "Mensagens de voz", "Mensajería de voz"),
    Term(N_("Single Number Reach"), "Alcance de número único", "Alcance de número único"),
    Term(N_("Contact Center Link"), "Link do Contact Center", "Enlace de Contact Center"),
    Term(N_("Route List"), "Lista de rotas", "Lista de rutas"),
)
# The English words the sync stores for owner and number types (sources/numbers.py): a report
# writes each in the file's language.
NUMBER_VALUES = frozenset(t.msgid for t in NUMBER_VALUE_TERMS)

REPORT_COLUMNS: dict[str, tuple[Term, ...]] = {
    "call-usage": CALL_USAGE_COLUMNS,
    "devices": DEVICES_COLUMNS,
    "numbers": NUMBERS_COLUMNS,
}


def all_terms() -> list[Term]:
    """Every glossary term once (the same msgid and context may appear in several groups)."""
    groups = [
        STATUS_TERMS.values(), STATUS_PLAIN_TERMS, STATUS_DESCRIPTIONS.values(), FILTER_TERMS, REGION_TERMS.values(),
        KPI_TERMS, SECTION_TERMS, TABLE_COLUMN_TERMS, CALLING_TERMS, REPORT_NAME_TERMS.values(),
        CALL_USAGE_COLUMNS, DEVICES_COLUMNS, NUMBERS_COLUMNS, NUMBER_VALUE_TERMS,
    ]
    seen: dict[tuple[str | None, str], Term] = {}
    for group in groups:
        for term in group:
            seen.setdefault((term.context, term.msgid), term)
    return list(seen.values())


# --- Lookups for the outer layers -------------------------------------------------
def status_label(status: CustomerStatus | str, locale: str | None) -> str:
    """The name Partner Hub gives a status, in ``locale`` ("Expira em breve")."""
    term = STATUS_TERMS[CustomerStatus(status)]
    return translations(locale).pgettext(STATUS_CONTEXT, term.msgid)


def status_description(status: CustomerStatus | str, locale: str | None) -> str:
    return translations(locale).gettext(STATUS_DESCRIPTIONS[CustomerStatus(status)].msgid)


# Product names as people read them (the templates' labels.product says the same).
PRODUCT_NAMES = {
    "meetings": N_("Webex Meetings"), "calling": N_("Webex Calling"), "messaging": N_("Webex Messaging"),
    "webinars": N_("Webex Webinars"), "contact_center": N_("Webex Contact Center"),
    "real_time_translations": N_("Real-Time Translations"),
}


def product_name(code, gettext) -> str:
    """"calling" -> "Webex Calling" in the language of ``gettext``; an unknown code as is."""
    msgid = PRODUCT_NAMES.get(str(code))
    return gettext(msgid) if msgid else str(code)


def region_name(code, gettext) -> str:
    """"EU" -> "União Europeia" in the language of ``gettext``; an unknown code as is."""
    term = REGION_TERMS.get(str(code).upper())
    return gettext(term.msgid) if term else str(code)


def named(value, kind: str, gettext):
    """A cell of a ``region`` or ``product`` column by its name; any other value as it is."""
    if value is None or not isinstance(value, str):
        return value
    if kind == "region":
        return region_name(value, gettext)
    if kind == "product":
        return product_name(value, gettext)
    return value


def region_label(region: str, locale: str | None) -> str:
    """"EU" -> "European Union" / "União Europeia"; an unknown code is returned as is."""
    term = REGION_TERMS.get(str(region).upper())
    return translations(locale).gettext(term.msgid) if term else str(region)


def report_headers(report: str, locale: str | None) -> list[str]:
    """The header row of a report (``call-usage``, ``devices``, ``numbers``) in SPEC order."""
    gettext = translations(locale).gettext
    return [gettext(term.msgid) for term in REPORT_COLUMNS[report]]
