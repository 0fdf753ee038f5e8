"""The world the sample manufacturer sells into: territories, countries, industries, names."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

COMPANY = "Halvorsen Industrial"
COMPANY_DOMAIN = "halvorsen-industrial.example"


@dataclass(frozen=True)
class Country:
    """A country with its territory, currency, digital-infrastructure index and weight."""

    code: str
    territory: str
    currency: str
    digital_index: float  # 0 (poor) .. 1 (excellent) Industrial Internet infrastructure
    risk: int  # country risk score 1 (low) .. 5 (high)
    weight: float  # share of accounts, relative
    culture: str  # which name list people and firms are drawn from
    legal: str  # usual legal-form suffix of a company
    phone: str
    cities: tuple[str, ...]


COUNTRIES: tuple[Country, ...] = (
    Country(
        "DE",
        "DACH",
        "EUR",
        0.82,
        1,
        14,
        "de",
        "GmbH",
        "+49",
        ("Hamburg", "Munich", "Stuttgart", "Cologne", "Dortmund", "Leipzig", "Bremen"),
    ),
    Country("AT", "DACH", "EUR", 0.80, 1, 3, "de", "GmbH", "+43", ("Vienna", "Linz", "Graz")),
    Country("CH", "DACH", "CHF", 0.90, 1, 3, "de", "AG", "+41", ("Zurich", "Basel", "Bern")),
    Country(
        "NL",
        "Benelux & Nordics",
        "EUR",
        0.92,
        1,
        5,
        "nl",
        "B.V.",
        "+31",
        ("Rotterdam", "Eindhoven", "Utrecht", "Groningen"),
    ),
    Country(
        "BE",
        "Benelux & Nordics",
        "EUR",
        0.82,
        1,
        3,
        "nl",
        "NV",
        "+32",
        ("Antwerp", "Ghent", "Liege"),
    ),
    Country(
        "SE",
        "Benelux & Nordics",
        "SEK",
        0.93,
        1,
        4,
        "nordic",
        "AB",
        "+46",
        ("Gothenburg", "Malmo", "Stockholm", "Vasteras"),
    ),
    Country(
        "DK",
        "Benelux & Nordics",
        "DKK",
        0.92,
        1,
        2,
        "nordic",
        "A/S",
        "+45",
        ("Aarhus", "Odense", "Copenhagen"),
    ),
    Country(
        "FI",
        "Benelux & Nordics",
        "EUR",
        0.91,
        1,
        2,
        "nordic",
        "Oy",
        "+358",
        ("Tampere", "Oulu", "Espoo"),
    ),
    Country(
        "GB",
        "UK & Ireland",
        "GBP",
        0.86,
        1,
        6,
        "en",
        "Ltd",
        "+44",
        ("Birmingham", "Manchester", "Leeds", "Glasgow", "Bristol"),
    ),
    Country("IE", "UK & Ireland", "EUR", 0.80, 1, 1, "en", "Ltd", "+353", ("Cork", "Dublin")),
    Country(
        "FR",
        "Southern Europe",
        "EUR",
        0.80,
        1,
        7,
        "fr",
        "SAS",
        "+33",
        ("Lyon", "Lille", "Toulouse", "Nantes", "Strasbourg"),
    ),
    Country(
        "ES",
        "Southern Europe",
        "EUR",
        0.76,
        2,
        5,
        "es",
        "S.L.",
        "+34",
        ("Barcelona", "Valencia", "Bilbao", "Zaragoza"),
    ),
    Country(
        "IT",
        "Southern Europe",
        "EUR",
        0.70,
        2,
        6,
        "it",
        "S.p.A.",
        "+39",
        ("Milan", "Turin", "Bologna", "Verona", "Brescia"),
    ),
    Country(
        "PL",
        "Central & Eastern Europe",
        "PLN",
        0.64,
        2,
        4,
        "pl",
        "Sp. z o.o.",
        "+48",
        ("Poznan", "Wroclaw", "Lodz", "Gdansk", "Katowice"),
    ),
    Country(
        "CZ",
        "Central & Eastern Europe",
        "CZK",
        0.68,
        2,
        2,
        "pl",
        "s.r.o.",
        "+420",
        ("Brno", "Ostrava", "Plzen"),
    ),
    Country(
        "RO",
        "Central & Eastern Europe",
        "RON",
        0.52,
        3,
        2,
        "pl",
        "S.R.L.",
        "+40",
        ("Cluj-Napoca", "Timisoara", "Iasi"),
    ),
    Country(
        "US",
        "North America",
        "USD",
        0.86,
        1,
        12,
        "en",
        "Inc.",
        "+1",
        ("Houston", "Chicago", "Atlanta", "Cleveland", "Milwaukee", "Charlotte"),
    ),
    Country(
        "CA",
        "North America",
        "CAD",
        0.83,
        1,
        3,
        "en",
        "Inc.",
        "+1",
        ("Toronto", "Calgary", "Montreal"),
    ),
    Country(
        "MX",
        "Latin America",
        "MXN",
        0.45,
        3,
        3,
        "es",
        "S.A. de C.V.",
        "+52",
        ("Monterrey", "Guadalajara", "Puebla", "Queretaro"),
    ),
    Country(
        "BR",
        "Latin America",
        "BRL",
        0.50,
        3,
        5,
        "pt",
        "Ltda.",
        "+55",
        ("Sao Paulo", "Campinas", "Curitiba", "Porto Alegre", "Belo Horizonte"),
    ),
    Country(
        "CL", "Latin America", "CLP", 0.58, 2, 1, "es", "S.A.", "+56", ("Santiago", "Antofagasta")
    ),
    Country(
        "CN",
        "Asia Pacific",
        "CNY",
        0.68,
        3,
        6,
        "zh",
        "Co. Ltd",
        "+86",
        ("Shanghai", "Suzhou", "Tianjin", "Guangzhou", "Ningbo"),
    ),
    Country(
        "IN",
        "Asia Pacific",
        "INR",
        0.38,
        3,
        5,
        "in",
        "Pvt Ltd",
        "+91",
        ("Pune", "Chennai", "Ahmedabad", "Bengaluru", "Vadodara"),
    ),
    Country(
        "JP",
        "Asia Pacific",
        "JPY",
        0.85,
        1,
        2,
        "ja",
        "K.K.",
        "+81",
        ("Osaka", "Nagoya", "Yokohama"),
    ),
    Country(
        "ZA",
        "Africa & Middle East",
        "ZAR",
        0.42,
        3,
        2,
        "en",
        "(Pty) Ltd",
        "+27",
        ("Johannesburg", "Durban", "Cape Town"),
    ),
    Country(
        "TR",
        "Africa & Middle East",
        "TRY",
        0.52,
        4,
        2,
        "tr",
        "A.S.",
        "+90",
        ("Istanbul", "Bursa", "Izmir"),
    ),
    Country(
        "AE", "Africa & Middle East", "AED", 0.78, 2, 1, "en", "LLC", "+971", ("Dubai", "Abu Dhabi")
    ),
)
COUNTRY_INDEX = {c.code: i for i, c in enumerate(COUNTRIES)}
TERRITORIES: tuple[str, ...] = tuple(dict.fromkeys(c.territory for c in COUNTRIES))
# Territories where part of the customers are served through a dealer (OEM -> dealer -> customer).
DEALER_TERRITORIES = (
    "Latin America",
    "Asia Pacific",
    "Africa & Middle East",
    "Central & Eastern Europe",
)

# Units of each currency per euro: fixed planning rates of the company.
EUR_RATE = {
    "EUR": 1.0,
    "CHF": 0.95,
    "SEK": 11.4,
    "DKK": 7.46,
    "GBP": 0.85,
    "PLN": 4.3,
    "CZK": 25.0,
    "RON": 4.97,
    "USD": 1.08,
    "CAD": 1.47,
    "MXN": 19.5,
    "BRL": 5.6,
    "CLP": 1010.0,
    "CNY": 7.8,
    "INR": 90.0,
    "JPY": 160.0,
    "ZAR": 20.0,
    "TRY": 35.0,
    "AED": 3.97,
}


@dataclass(frozen=True)
class Industry:
    """A customer industry: what it runs, how hard, and how open it is to services."""

    name: str
    weight: float
    readiness: float  # shift of the hidden readiness trait
    load: float  # typical utilisation of machines, 0..1
    lines: float  # expected number of packaging/process lines per account
    mix: tuple[float, float, float, float]  # weights of pumps, compressors, packaging, process
    words: tuple[str, ...]


INDUSTRIES: tuple[Industry, ...] = (
    Industry("food_beverage", 18, 0.1, 0.75, 1.2, (2, 2, 5, 3), ("Foods", "Dairy", "Brewery")),
    Industry("chemicals", 12, 0.3, 0.8, 0.6, (5, 3, 1, 4), ("Chemicals", "Chemie", "Polymers")),
    Industry("pharmaceuticals", 8, 0.5, 0.6, 0.8, (3, 2, 4, 3), ("Pharma", "Life Sciences")),
    Industry("water_utilities", 8, -0.3, 0.7, 0.1, (8, 2, 0, 1), ("Water", "Waterworks")),
    Industry("oil_gas", 7, 0.2, 0.9, 0.2, (6, 4, 0, 2), ("Energy", "Petroleum", "Gas")),
    Industry("mining", 6, -0.2, 0.95, 0.1, (6, 4, 0, 1), ("Mining", "Minerals", "Resources")),
    Industry("pulp_paper", 6, -0.1, 0.85, 0.4, (4, 3, 2, 3), ("Paper", "Pulp", "Board")),
    Industry("automotive", 10, 0.4, 0.8, 0.3, (2, 6, 1, 2), ("Automotive", "Components")),
    Industry("consumer_goods", 12, 0.0, 0.65, 1.0, (2, 2, 6, 2), ("Consumer", "Home Care")),
    Industry("building_materials", 7, -0.4, 0.85, 0.2, (3, 5, 2, 2), ("Cement", "Building")),
)

OWNERSHIP = ("family", "listed", "investor", "public")
OWNERSHIP_WEIGHT = np.array([0.45, 0.22, 0.2, 0.13])
# Investor- and stock-owned firms are more open to buying services, family firms less.
OWNERSHIP_READINESS = np.array([-0.45, 0.35, 0.6, -0.25])

FIRM_ROOTS = (
    "Nord",
    "Rhein",
    "Alpen",
    "Baltic",
    "Atlas",
    "Orion",
    "Vega",
    "Delta",
    "Kappa",
    "Helix",
    "Terra",
    "Aqua",
    "Sol",
    "Polar",
    "Summit",
    "Crest",
    "Meridian",
    "Pioneer",
    "Union",
    "Central",
    "Eastfield",
    "Westbrook",
    "Silver",
    "Iron",
    "Granite",
    "Oak",
    "Linden",
    "Falcon",
    "Eagle",
    "Horizon",
    "Vertex",
    "Nova",
    "Optima",
    "Prime",
    "Zenit",
    "Apex",
    "Tauro",
    "Lumen",
    "Boreal",
    "Corona",
    "Riviera",
    "Sierra",
    "Montana",
    "Pacific",
    "Condor",
    "Lotus",
    "Jade",
    "Saffron",
)

FIRST_NAMES = {
    "de": (
        "Jürgen",
        "Anna",
        "Katrin",
        "Stefan",
        "Lukas",
        "Sabine",
        "Thomas",
        "Julia",
        "Markus",
        "Petra",
        "Felix",
        "Claudia",
        "Andreas",
        "Nina",
        "Tobias",
        "Monika",
    ),
    "nl": ("Jan", "Sanne", "Pieter", "Femke", "Daan", "Lotte", "Bram", "Eva", "Joost", "Anouk"),
    "nordic": ("Lars", "Ingrid", "Erik", "Sofia", "Magnus", "Astrid", "Nils", "Karin", "Jonas"),
    "en": (
        "James",
        "Emma",
        "Oliver",
        "Sarah",
        "Michael",
        "Laura",
        "David",
        "Rachel",
        "Daniel",
        "Megan",
        "Robert",
        "Jessica",
        "Thabo",
        "Naledi",
        "Kevin",
        "Linda",
    ),
    "fr": ("Pierre", "Claire", "Julien", "Camille", "Nicolas", "Sophie", "Mathieu", "Élodie"),
    "es": ("Carlos", "María", "Javier", "Lucía", "Alejandro", "Carmen", "Diego", "Sofía"),
    "it": ("Marco", "Giulia", "Luca", "Francesca", "Andrea", "Chiara", "Matteo", "Elena"),
    "pl": ("Piotr", "Anna", "Tomasz", "Katarzyna", "Marek", "Agnieszka", "Paweł", "Zofia"),
    "pt": ("João", "Ana", "Pedro", "Mariana", "Rafael", "Beatriz", "Lucas", "Camila"),
    "zh": ("Wei", "Li", "Jun", "Fang", "Hao", "Ying", "Lei", "Min"),
    "in": ("Rahul", "Priya", "Amit", "Sneha", "Vikram", "Anjali", "Arjun", "Kavya"),
    "ja": ("Hiroshi", "Yuki", "Takeshi", "Aiko", "Kenji", "Naoko"),
    "tr": ("Mehmet", "Ayşe", "Emre", "Elif", "Burak", "Zeynep"),
}
LAST_NAMES = {
    "de": (
        "Müller",
        "Schmidt",
        "Schneider",
        "Fischer",
        "Weber",
        "Meyer",
        "Wagner",
        "Becker",
        "Hoffmann",
        "Schulz",
        "Koch",
        "Richter",
        "Wolf",
        "Braun",
        "Krüger",
        "Hartmann",
    ),
    "nl": ("de Jong", "Jansen", "de Vries", "Bakker", "Visser", "Smit", "Meijer", "Mulder"),
    "nordic": (
        "Andersson",
        "Johansson",
        "Karlsson",
        "Nielsen",
        "Lindqvist",
        "Virtanen",
        "Berg",
        "Holm",
    ),
    "en": (
        "Smith",
        "Johnson",
        "Brown",
        "Taylor",
        "Wilson",
        "Davies",
        "Evans",
        "Clarke",
        "Walker",
        "Wright",
        "Miller",
        "Moore",
        "Nkosi",
        "Naidoo",
        "Campbell",
        "Hughes",
    ),
    "fr": ("Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Lefèvre", "Girard", "Roux"),
    "es": ("García", "Martínez", "López", "Sánchez", "Pérez", "Gómez", "Fernández", "Ruiz"),
    "it": ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci"),
    "pl": ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski", "Novák"),
    "pt": ("Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa", "Almeida", "Lima"),
    "zh": ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang"),
    "in": ("Sharma", "Patel", "Iyer", "Reddy", "Gupta", "Nair", "Mehta", "Rao"),
    "ja": ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito"),
    "tr": ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Aydın"),
}
STREETS = (
    "Industriestrasse",
    "Harbour Road",
    "Rue de l'Industrie",
    "Via Roma",
    "Avenida Central",
    "Park Lane",
    "Kanaalweg",
    "Fabriksgatan",
    "ul. Przemysłowa",
    "Ring Road",
)


def country_weights() -> np.ndarray:
    """Probability of each country in COUNTRIES for a new account."""
    w = np.array([c.weight for c in COUNTRIES], dtype=float)
    return w / w.sum()


def industry_weights() -> np.ndarray:
    """Probability of each industry in INDUSTRIES for a new account."""
    w = np.array([i.weight for i in INDUSTRIES], dtype=float)
    return w / w.sum()
