"""The demo partner's word lists: its partner admins and tags, and the names, places,
numbers and devices its customers are drawn from (``demo.py`` builds the partner)."""
from __future__ import annotations

from partnerhub_core.models import Role

HISTORY_WEEKS = 52

ADMINS = [
    # slack user, name, email local part, role, all customers, language
    ("U0DEMO01", "Fernanda Lima", "fernanda.lima", Role.FULL_ADMIN, True, "pt_BR"),
    ("U0DEMO02", "Carlos Ortega", "carlos.ortega", Role.ADMIN, False, "es"),
    ("U0DEMO03", "Priya Natarajan", "priya.natarajan", Role.SALES_ADMIN, False, "en"),
    ("U0DEMO04", "Jordan Blake", "jordan.blake", Role.READ_ONLY, True, "en"),
    ("U0DEMO05", "Amélie Tremblay", "amelie.tremblay", Role.ADMIN, True, None),
    ("U0DEMO06", "Omar Haddad", "omar.haddad", Role.READ_ONLY, False, None),
]
TAGS = [
    ("Enterprise", "More than 250 licenses"),
    ("SMB", "Small and medium business"),
    ("Healthcare", ""),
    ("Education", ""),
    ("Government", ""),
    ("Renewal focus", "Renewal in the next quarter"),
    ("At risk", "Low assignment or inactive admins"),
    ("Wholesale", "Wholesale route-to-market"),
]

NAME_PARTS = {
    "US": (["Acme", "Blue Ridge", "Summit", "Lakeside", "Granite", "Pioneer", "Redwood", "Harbor", "Liberty",
            "Canyon", "Evergreen", "Keystone", "Silver Creek", "Ironwood", "Bayview", "Prospect"],
           ["Inc.", "LLC", "Group", "Co.", "Partners"]),
    "CA": (["Maple", "Laurentian", "Québec", "Montréal", "Fraser", "Algonquin", "Prairie", "Niagara", "Rideau",
            "Okanagan", "Saguenay", "Gatineau"],
           ["Ltd.", "Inc.", "Corp.", "Ltée"]),
    "EU": (["Zürich", "München", "Málaga", "Lisboa", "Kraków", "Göteborg", "Nîmes", "Århus", "Köln", "Córdoba",
            "Łódź", "Génova", "Sevilla", "Porto", "Ålesund", "Bruxelles"],
           ["GmbH", "S.A.", "S.L.", "AG", "B.V.", "Lda.", "S.p.A.", "AB"]),
    "UAE": (["Dubai", "Abu Dhabi", "Sharjah", "Al Ain", "Ajman", "Fujairah", "Ras Al Khaimah", "Jumeirah"],
            ["LLC", "FZE", "FZ-LLC", "Group"]),
}
TRADES = ["Health", "Logistics", "Legal", "Bank", "Foods", "Energy", "Dental", "Schools", "Realty", "Motors",
          "Clinic", "Software", "Insurance", "Retail", "Hotels", "Construction", "University", "Municipal",
          "Pharma", "Media", "Trading", "Airlines", "Consulting", "Manufacturing"]
VERTICAL = {"Health": "Healthcare", "Dental": "Healthcare", "Clinic": "Healthcare", "Pharma": "Healthcare",
            "Schools": "Education", "University": "Education", "Municipal": "Government"}
COUNTRIES = {"US": ["US"], "CA": ["CA"], "EU": ["DE", "FR", "ES", "PT", "NL", "IT", "PL", "SE", "CH", "DK"],
             "UAE": ["AE"]}
CITIES = {
    "US": ["New York", "Austin", "Chicago", "Denver", "Miami", "Seattle", "Atlanta", "Boston"],
    "CA": ["Toronto", "Montréal", "Vancouver", "Calgary", "Ottawa", "Québec City"],
    "DE": ["Berlin", "München", "Köln"], "FR": ["Paris", "Lyon", "Nîmes"], "ES": ["Madrid", "Sevilla", "Málaga"],
    "PT": ["Lisboa", "Porto"], "NL": ["Amsterdam", "Utrecht"], "IT": ["Milano", "Roma"],
    "PL": ["Kraków", "Warszawa"], "SE": ["Göteborg", "Stockholm"], "CH": ["Zürich", "Genève"],
    "DK": ["Århus", "København"], "AE": ["Dubai", "Abu Dhabi", "Sharjah"],
}
# Country code, national prefix choices, subscriber digits: realistic E.164 shapes.
E164 = {
    "US": ("1", ["212", "512", "312", "303", "305", "206", "404", "617"], 7),
    "CA": ("1", ["416", "514", "604", "403", "613", "418"], 7),
    "DE": ("49", ["30", "89", "221"], 8), "FR": ("33", ["1", "4"], 8), "ES": ("34", ["91", "95"], 7),
    "PT": ("351", ["21", "22"], 7), "NL": ("31", ["20", "30"], 7), "IT": ("39", ["02", "06"], 8),
    "PL": ("48", ["12", "22"], 7), "SE": ("46", ["31", "8"], 7), "CH": ("41", ["44", "22"], 7),
    "DK": ("45", ["86", "33"], 6), "AE": ("971", ["4", "2", "6"], 7),
}
PSTN = ["Cisco Calling Plan", "Cloud Connected PSTN - IntelePeer", "Cloud Connected PSTN - Tata", "Local Gateway"]
DESK_PHONES = [
    ("Cisco 8845", "sip88xx.14-2-1MPP0001-273"), ("Cisco 8865", "sip88xx.14-2-1MPP0001-273"),
    ("Cisco 6871", "sip68xx.12-0-5MPP0001-14"), ("Cisco 7841", "sip78xx.14-2-1MPP0001-273"),
    ("Cisco 9861", "PHONEOS.3-2-1-0001-77"), ("Cisco 9871", "PHONEOS.3-2-1-0001-77"),
    ("Poly VVX 450", "UCS 6.4.3.2025"),  # a third-party device ("Other Devices")
]
ROOM_DEVICES = [("Webex Room Kit", "RoomOS 11.17.3.2 9d5c4a1b3e2"), ("Webex Desk Pro", "RoomOS 11.17.3.2 9d5c4a1b3e2"),
                ("Webex Board Pro 75", "RoomOS 11.17.3.2 9d5c4a1b3e2"), ("Webex Room Bar", "RoomOS 11.17.3.2 9d5c4a1b3e2")]
CISCO_OUIS = ["00EBD5", "AC7A56", "70708B", "F87B20", "CC5A53"]
FIRST = ["Ana", "Bruno", "Chen", "Diego", "Elif", "Fatima", "Gabriel", "Hana", "Igor", "Julia", "Kwame", "Lucía",
         "Mateus", "Nadia", "Oscar", "Paula", "Rafael", "Sofia", "Tomás", "Uma", "Victor", "Yara", "Zoe", "Léa"]
LAST = ["Silva", "García", "Müller", "Dubois", "Rossi", "Kowalski", "Haddad", "Smith", "Tremblay", "Nguyen",
        "Santos", "Jensen", "Costa", "Novak", "Khan", "Moreau", "Fernández", "Andersson", "Lopes", "Brown"]
