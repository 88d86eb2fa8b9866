"""Partner Hub's own words, in English, Portuguese (Brazil) and Spanish.

Partner admins know these names from Partner Hub and its guide (``../shared/seeds/``:
000 is the Portuguese guide, 001 the Spanish one), and they build spreadsheets on the
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
        pN_("customer status", "Expiring Soon"), "Expira em breve", "Vence pronto"
    ),
    CustomerStatus.LICENSE_OVERAGE: _s(
        pN_("customer status", "License Overage"), "Excesso de licenças", "Exceso de licencia"
    ),
    CustomerStatus.NO_RECENT_ACTIVITY: _s(
        pN_("customer status", "No Recent Activity"), "Nenhuma atividade recente", "Sin actividad reciente"
    ),
    CustomerStatus.READY_FOR_ORDER_SETUP: _s(
        pN_("customer status", "Ready for Order Setup"),
        "Pronto para configuração do pedido",
        "Listo para configurar el pedido",
    ),
    CustomerStatus.SUSPENDED: _s(pN_("customer status", "Suspended"), "Suspenso", "Suspendido"),
    CustomerStatus.EXPIRED: _s(pN_("customer status", "Expired"), "Expirado", "Vencido"),
}

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
KPI_TERMS = (
    Term(N_("Total Customers"), "Total de clientes", "Total de clientes"),
    Term(N_("Approaching Expiration"), "Aproximando-se da expiração", "Próximo a vencimiento"),
    Term(N_("Upcoming Renewal"), "Renovação iminente", "Próxima renovación"),
    Term(N_("Low License Assignment"), "Baixa atribuição de licenças", "Asignación baja de licencias"),
    Term(N_("Exceeded License Limit"), "Excedeu o limite de licença", "Exceso del límite de licencias"),
    Term(N_("License Distribution Trend"), "Tendência de distribuição de licenças",
         "Tendencia en la distribución de licencias"),
    Term(N_("New Customers"), "Novos clientes", "Nuevos clientes"),
    Term(N_("Total Licenses"), "Total de licenças", "Total de licencias"),
    Term(N_("Customers Expiring"), "Clientes prestes a expirar", "Clientes que vencen"),
    Term(N_("License Assignment"), "Atribuição de licença", "Asignación de licencias"),
    Term(N_("License Usage"), "Uso de licença", "Uso de licencias"),
    Term(N_("Renewing Customers"), "Renovação de clientes", "Clientes que renuevan"),
    Term(N_("Customers with Low Assignment"), "Clientes com baixa atribuição", "Clientes con baja asignación"),
    Term(N_("License Usage When Assigned"), "Uso de licença quando atribuída",
         "Uso de licencias cuando se asignan"),
    Term(N_("Total Unassigned Licenses"), "Total de licenças não atribuídas", "Total de licencias no asignadas"),
    Term(N_("Customers with Overage"), "Clientes com excedentes", "Clientes con excedentes"),
    Term(N_("Total Overage Licenses"), "Total de licenças em excesso", "Total de licencias en excedentes"),
    Term(N_("Average License Overage"), "Excesso médio de licenças", "Exceso promedio de licencias"),
)

SECTION_TERMS = (
    Term(N_("Recently Added Customers in the Last {days} Days"),
         "Clientes adicionados recentemente nos últimos {days} dias",
         "Clientes agregados recientemente en los últimos {days} días"),
    Term(N_("Recently Added Subscriptions"), "Assinaturas adicionadas recentemente",
         "Suscripciones agregadas recientemente"),
    Term(N_("Expiring in the Next {days} Days"), "Prestes a expirar nos próximos {days} dias",
         "A punto de caducar en los próximos {days} días"),
    Term(N_("Subscriptions Expiring Soon"), "Assinaturas que vencerão em breve",
         "Suscripciones que caducan pronto"),
    Term(N_("Renewing in the Next {days} Days"), "Prestes a serem renovadas nos próximos {days} dias",
         "A punto de renovarse en los próximos {days} días"),
    Term(N_("Subscriptions Renewing Soon"), "Assinaturas que serão renovadas em breve",
         "Suscripciones que se renuevan pronto"),
    Term(N_("Subscriptions with Low License Assignment"), "Assinaturas com baixa atribuição de licenças",
         "Suscripciones con baja asignación de licencias"),
    Term(N_("Customers Over the License Limit"), "Clientes acima do limite de licenças",
         "Clientes que superan el límite de licencias"),
    Term(N_("Subscriptions with License Overages"), "Assinaturas com excedentes de licença",
         "Suscripciones con excesos de licencias"),
)

# Table columns of the analytics sections (F11–F15), in the guide's words.
TABLE_COLUMN_TERMS = (
    Term(N_("Customer"), "Cliente", "Cliente"),
    Term(N_("Subscription ID"), "ID da assinatura", "ID de suscripción"),
    Term(N_("Days Since Added"), "Dias desde a adição", "Días desde que se agregó"),
    Term(N_("Used/Assigned/Available Licenses"), "Licenças usadas/atribuídas/disponíveis",
         "Licencias utilizadas/asignadas/disponibles"),
    Term(N_("Weekly Assignment Change"), "Alteração na atribuição semanal", "Cambio de asignación semanal"),
    Term(N_("Weekly Usage Change"), "Alteração no uso semanal", "Cambio de uso semanal"),
    Term(N_("Days Until Expiry"), "Dias até o vencimento", "Días hasta el vencimiento"),
    Term(N_("Usage in Last 3 Months"), "Uso nos últimos 3 meses", "Uso en los últimos 3 meses"),
    Term(N_("Days Until Renewal"), "Dias até a renovação", "Días hasta la renovación"),
    Term(N_("Months Since Added"), "Meses desde a adição", "Meses desde que se agregó"),
    Term(N_("Assigned Licenses (%)"), "Licenças atribuídas (%)", "Licencias asignadas (%)"),
    Term(N_("Months Remaining"), "Meses restantes", "Meses restantes"),
    Term(N_("Auto Renewal?"), "Renovação automática?", "¿Renovación automática?"),
    Term(N_("Used Licenses (%)"), "Licenças usadas (%)", "Licencias utilizadas (%)"),
)

# --- Webex Calling analytics (F16–F19) ---------------------------------------------
CALLING_TERMS = (
    Term(N_("Call Usage Last Week"), "Uso de chamadas na semana passada", "Uso de llamadas la semana pasada"),
    Term(N_("Call Volume Trend for Users by Usage in the Last 8 Weeks"),
         "Tendência de volume de chamadas para usuários por uso nas últimas 8 semanas",
         "Llamadas a usuarios según tendencia de volumen de uso en las últimas 8 semanas"),
    Term(N_("Customers and Usage"), "Clientes e uso", "Clientes y uso"),
    Term(N_("Call Quality Last Week"), "Qualidade das chamadas na semana passada",
         "Calidad de las llamadas la semana pasada"),
    Term(N_("Call Quality and Trend in the Last 8 Weeks"), "Qualidade e tendência das chamadas nas últimas 8 semanas",
         "Calidad y tendencia de las llamadas en las últimas 8 semanas"),
    Term(N_("Call Quality by Endpoint Type"), "Qualidade da chamada por tipo de ponto de extremidade",
         "Calidad de la llamada por tipo de punto final"),
    Term(N_("Customers and Call Quality"), "Clientes e qualidade das chamadas", "Clientes y calidad de las llamadas"),
    Term(N_("Advanced Calling Features Last Week"), "Recursos avançados de chamada na semana passada",
         "Funciones de llamada avanzadas la semana pasada"),
    Term(N_("Feature Usage by Calls"), "Uso do recurso por chamadas", "Uso de funciones por llamadas"),
    Term(N_("Call Queue Insights Last Week"), "Insights sobre a fila de chamadas na semana passada",
         "Información sobre la cola de llamadas de la última semana"),
    Term(N_("Average Answer Time"), "Tempo médio de resposta", "Tiempo promedio de respuesta"),
    Term(N_("Average Wait Time Before Abandon"), "Tempo médio de espera antes do abandono",
         "Tiempo promedio de espera antes del abandono"),
    Term(N_("Average Abandoned Call Rate"), "Taxa média de chamadas abandonadas",
         "Tasa promedio de llamadas abandonadas"),
    Term(N_("Customers and Feature Usage"), "Clientes e uso de recursos", "Clientes y uso de características"),
    # Endpoint types and advanced features, as the report columns name them.
    Term(N_("Desk Phone"), "Telefone de mesa", "Teléfono de escritorio"),
    Term(N_("Room Device"), "Dispositivo de sala", "Dispositivo de sala"),
    Term(N_("Webex App"), "Aplicativo Webex", "Webex App"),
    Term(N_("Other Devices"), "Outros dispositivos", "Otros dispositivos"),
    Term(N_("Call Queue"), "Fila de chamadas", "Cola de llamadas"),
    Term(N_("Hunt Group"), "Grupo de busca", "Grupo de búsqueda"),
    Term(N_("Auto Attendant"), "Atendimento Automático", "Asistente automático"),
)

# --- Reports (F21–F25): template names and columns, in SPEC order -------------------
REPORT_NAME_TERMS = {
    "call-usage": Term(N_("Call Usage Details Report"), "Relatório de detalhes de uso de chamadas",
                       "Informe de detalles de uso de llamadas"),
    "devices": Term(N_("Devices Report"), "Relatório de dispositivos", "Informe de dispositivos"),
    "numbers": Term(N_("Phone Numbers Report"), "Relatório de números de telefone",
                    "Informe de números de teléfono"),
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
    Term(N_("Primary"), "Principal", "Principal"),
    Term(N_("Secondary"), "Secundário", "Secundario"),
    Term(N_("People"), "Pessoas", "Personas"),
    Term(N_("Virtual Line"), "Linha Virtual", "Línea virtual"),
)

REPORT_COLUMNS: dict[str, tuple[Term, ...]] = {
    "call-usage": CALL_USAGE_COLUMNS,
    "devices": DEVICES_COLUMNS,
    "numbers": NUMBERS_COLUMNS,
}


def all_terms() -> list[Term]:
    """Every glossary term once (the same msgid and context may appear in several groups)."""
    groups = [
        STATUS_TERMS.values(), STATUS_DESCRIPTIONS.values(), FILTER_TERMS, REGION_TERMS.values(),
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


def region_label(region: str, locale: str | None) -> str:
    """"EU" -> "European Union" / "União Europeia"; an unknown code is returned as is."""
    term = REGION_TERMS.get(str(region).upper())
    return translations(locale).gettext(term.msgid) if term else str(region)


def report_headers(report: str, locale: str | None) -> list[str]:
    """The header row of a report (``call-usage``, ``devices``, ``numbers``) in SPEC order."""
    gettext = translations(locale).gettext
    return [gettext(term.msgid) for term in REPORT_COLUMNS[report]]
