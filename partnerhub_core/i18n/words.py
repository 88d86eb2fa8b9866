"""The words people type as command parameters, in English, Portuguese and Spanish.

One table for every parser (the customer filters, the analytics and calling commands, the
report arguments, the CLI filters): ``canonical(kind, word)`` turns what a person typed
("reuniões", "Europa", "status:expira_em_breve", "llamadas") into the code the core works
with ("meetings", "EU", "expiring_soon", "calling"), or ``None``. Matching is case- and
accent-insensitive (``models.search_key``), and spaces and dashes read as underscores.
English words work in every language.

Where the guide (``glossary.py``) names a thing, its Portuguese and Spanish names are
taken from there (status names, region names), so the typed words stay in sync with the
words the answers show; the shorter words people actually type are listed beside them.
The first word of each language is the one shown to a reader of that language (help
lines, errors listing valid values).
"""
from __future__ import annotations

import re

from partnerhub_core.errors import Words
from partnerhub_core.i18n.glossary import REGION_TERMS, STATUS_TERMS
from partnerhub_core.models import CustomerStatus, search_key

LANGS = ("en", "pt_BR", "es")
Aliases = dict[str, tuple[str, ...]]  # language -> words, the shown one first


def _status(status: CustomerStatus, en: tuple[str, ...], pt: tuple[str, ...], es: tuple[str, ...]) -> Aliases:
    term = STATUS_TERMS[status]
    return {"en": (status.value, *en, term.msgid), "pt_BR": (*pt, term.pt_BR), "es": (*es, term.es)}


def _region(code: str, pt: tuple[str, ...] = (), es: tuple[str, ...] = (), en: tuple[str, ...] = ()) -> Aliases:
    term = REGION_TERMS[code]
    return {"en": (code, term.msgid, *en), "pt_BR": (code, term.pt_BR, *pt), "es": (code, term.es, *es)}


TABLE: dict[str, dict[str, Aliases]] = {
    "product": {
        "meetings": {"en": ("meetings", "meeting", "webex_meetings"), "pt_BR": ("reuniões", "reunião"),
                     "es": ("reuniones", "reunión")},
        "calling": {"en": ("calling", "call", "calls", "webex_calling"), "pt_BR": ("chamadas", "chamada"),
                    "es": ("llamadas", "llamada")},
        "messaging": {"en": ("messaging",), "pt_BR": ("mensagens",), "es": ("mensajes", "mensajería")},
        "real_time_translations": {"en": ("real_time_translations", "rtt", "translations"),
                                   "pt_BR": ("traduções", "traduções_em_tempo_real"),
                                   "es": ("traducciones", "traducciones_en_tiempo_real")},
        "contact_center": {"en": ("contact_center", "cc"), "pt_BR": ("central_de_contato",),
                           "es": ("centro_de_contacto",)},
        "webinars": {"en": ("webinars", "webinar"), "pt_BR": ("webinars",), "es": ("seminarios_web",)},
    },
    "region": {
        "US": _region("US", en=("usa",), pt=("EUA",), es=("EE_UU", "EEUU")),
        "CA": _region("CA"),
        "EU": _region("EU", en=("europe",), pt=("Europa", "UE"), es=("Europa", "UE")),
        "UAE": _region("UAE", en=("emirates",), pt=("EAU", "Emirados"), es=("EAU", "Emiratos")),
    },
    "status": {
        CustomerStatus.TRIAL.value: _status(CustomerStatus.TRIAL, (), ("teste", "avaliação"), ("prueba",)),
        CustomerStatus.ACTIVE.value: _status(CustomerStatus.ACTIVE, (), ("ativo", "ativa"), ("activo", "activa")),
        CustomerStatus.EXPIRING_SOON.value: _status(CustomerStatus.EXPIRING_SOON, ("expiring",),
                                                    ("expira_em_breve", "vencendo"), ("vence_pronto", "vencen")),
        CustomerStatus.LICENSE_OVERAGE.value: _status(CustomerStatus.LICENSE_OVERAGE, ("overage",),
                                                      ("excesso_de_licenças", "excesso"),
                                                      ("exceso_de_licencia", "exceso")),
        CustomerStatus.NO_RECENT_ACTIVITY.value: _status(CustomerStatus.NO_RECENT_ACTIVITY, ("inactive",),
                                                         ("nenhuma_atividade_recente", "inativo"),
                                                         ("sin_actividad_reciente", "inactivo")),
        CustomerStatus.READY_FOR_ORDER_SETUP.value: _status(
            CustomerStatus.READY_FOR_ORDER_SETUP, ("setup",), ("pronto_para_configuração", "configuração"),
            ("listo_para_configurar", "configuración")),
        CustomerStatus.SUSPENDED.value: _status(CustomerStatus.SUSPENDED, (), ("suspenso",), ("suspendido",)),
        CustomerStatus.EXPIRED.value: _status(CustomerStatus.EXPIRED, (), ("expirado", "vencido"), ("vencido",)),
    },
    "subscription_type": {
        "trial": {"en": ("trial",), "pt_BR": ("teste", "avaliação"), "es": ("prueba",)},
        "subscription": {"en": ("subscription", "paid"), "pt_BR": ("assinatura", "paga"),
                         "es": ("suscripción", "pagada", "pago")},
    },
    "managed_by": {
        "external_admin": {"en": ("external", "external_admin"), "pt_BR": ("externo", "administrador_externo"),
                           "es": ("externo", "administrador_externo")},
        "partner_org": {"en": ("partner", "partner_org", "internal"), "pt_BR": ("parceiro", "interno"),
                        "es": ("partner", "socio", "interno")},
    },
    # The analytics sections (SPEC F10–F15) as commands: "vencendo reuniões".
    "section": {
        "recent": {"en": ("recent", "recently_added"), "pt_BR": ("recentes", "adicionados"),
                   "es": ("recientes", "agregados")},
        "expiring": {"en": ("expiring",), "pt_BR": ("vencendo", "expirando"), "es": ("vencen", "caducan")},
        "renewing": {"en": ("renewing",), "pt_BR": ("renovando", "renovações"), "es": ("renuevan", "renovaciones")},
        "low": {"en": ("low", "low_assignment"), "pt_BR": ("baixa", "baixa_atribuição"),
                "es": ("baja", "baja_asignación")},
        "overage": {"en": ("overage", "over"), "pt_BR": ("excedentes", "excesso"), "es": ("excedentes", "exceso")},
        "trend": {"en": ("trend",), "pt_BR": ("tendência",), "es": ("tendencia",)},
    },
    # Webex Calling views (F16–F19): "chamadas qualidade".
    "calling_section": {
        "usage": {"en": ("usage",), "pt_BR": ("uso",), "es": ("uso",)},
        "quality": {"en": ("quality",), "pt_BR": ("qualidade",), "es": ("calidad",)},
        "features": {"en": ("features",), "pt_BR": ("recursos",), "es": ("funciones",)},
        "queues": {"en": ("queues",), "pt_BR": ("filas",), "es": ("colas",)},
    },
    # The keys of key:value filters: "região:Europa", "tipo:prueba".
    "filter_key": {
        "region": {"en": ("region",), "pt_BR": ("região",), "es": ("región",)},
        "product": {"en": ("product",), "pt_BR": ("produto",), "es": ("producto",)},
        "status": {"en": ("status",), "pt_BR": ("status", "estado"), "es": ("estado",)},
        "subscription_type": {"en": ("type", "subscription_type"), "pt_BR": ("tipo", "tipo_de_assinatura"),
                              "es": ("tipo", "tipo_de_suscripción")},
        "managed_by": {"en": ("managed", "managed_by"), "pt_BR": ("gerenciado", "gerenciado_por"),
                       "es": ("administrado", "administrado_por")},
        "tag": {"en": ("tag",), "pt_BR": ("tag", "etiqueta"), "es": ("etiqueta",)},
        "search": {"en": ("search", "name"), "pt_BR": ("nome", "busca"), "es": ("nombre", "buscar")},
    },
}


def fold(word: str) -> str:
    """"Reuniões" -> "reunioes", "Expira em breve" -> "expira_em_breve", "EE-UU" -> "ee_uu"."""
    return re.sub(r"[\s\-]+", "_", search_key(word.strip().strip("\"'“”").strip()))


def _index() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for kind, entries in TABLE.items():
        index: dict[str, str] = {}
        for canonical_value, aliases in entries.items():
            index.setdefault(fold(canonical_value), canonical_value)
        for canonical_value, aliases in entries.items():
            for lang in LANGS:
                for word in aliases.get(lang, ()):
                    taken = index.setdefault(fold(word), canonical_value)
                    if taken != canonical_value:
                        raise ValueError(f"{kind} word {word!r} means both {taken} and {canonical_value}")
        out[kind] = index
    return out


_INDEX = _index()


def canonical(kind: str, word: str | None) -> str | None:
    """The code a typed word stands for in ``kind`` (any language), else ``None``."""
    if word is None:
        return None
    return _INDEX[kind].get(fold(word))


def typed_forms(kind: str, value: str) -> list[str]:
    """Every way of typing one value as written in the table (accents kept), one per folded
    form: the section commands' aliases ("vencendo", "renovações", "renuevan")."""
    out: dict[str, str] = {}
    for lang in LANGS:
        for word in TABLE[kind][value].get(lang, ()):
            out.setdefault(fold(word), word)
    return list(out.values())


def shown(kind: str, value: str, locale: str | None) -> str:
    """The word a reader of ``locale`` types for ``value`` ("calling" -> "chamadas")."""
    aliases = TABLE[kind].get(value, {})
    words = aliases.get(locale or "en") or aliases.get("en") or (value,)
    return words[0].replace(" ", "_")


def locale_of(gettext) -> str:
    """The language a ``gettext`` function speaks, told by how it says a region name."""
    said = gettext(REGION_TERMS["EU"].msgid)
    for lang in ("pt_BR", "es"):
        if said == REGION_TERMS["EU"].in_(lang):
            return lang
    return "en"


class Choices(Words):
    """The valid words of an error ("use one of reuniões, chamadas"), said in the reader's
    language: ``Choices("product", ["meetings", "calling"])``."""

    def __init__(self, kind: str, values, joiner: str = ", "):
        self.kind, self.values, self.joiner = kind, tuple(values), joiner

    def in_language(self, gettext) -> str:
        lang = locale_of(gettext)
        return self.joiner.join(shown(self.kind, v, lang) for v in self.values)

    def __eq__(self, other) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


# English words of the usage lines -> (kind, value) that says them in another language.
_USAGE_WORDS = {
    **{p: ("product", p) for p in ("meetings", "calling")},
    **{s: ("section", s) for s in TABLE["section"]},
    **{s: ("calling_section", s) for s in TABLE["calling_section"]},
    "region": ("filter_key", "region"), "product": ("filter_key", "product"),
    "type": ("filter_key", "subscription_type"), "managed": ("filter_key", "managed_by"),
    "status": ("filter_key", "status"),
    "external": ("managed_by", "external_admin"), "trial": ("subscription_type", "trial"),
    "expiring_soon": ("status", "expiring_soon"),
}


def say_usage(text: str, locale: str | None) -> str:
    """A usage line (``kpis [meetings|calling] [region:..]``) with the words a reader of
    ``locale`` types (``kpis [reuniões|chamadas] [região:..]``); English unchanged. Every
    word put in is one the parsers accept."""
    if not locale or locale == "en":
        return text

    def one(match: re.Match) -> str:
        found = _USAGE_WORDS.get(match.group(0))
        return shown(*found, locale) if found else match.group(0)

    return re.sub(r"(?<![\w<-])[a-z_]+(?![\w>-])", one, text)
