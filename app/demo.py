"""Demo shop generator: a large, realistic and internally consistent shop to try Packbench on."""

from __future__ import annotations

import gc
import random
import time
import unicodedata
from bisect import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    DateTime,
    Index,
    String,
    Table,
    and_,
    bindparam,
    func,
    insert,
    literal,
    null,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app.audit import record_event
from app.changes import EVERYTHING, ChangeSet
from app.errors import Conflict, DomainError, ValidationError
from app.numbering import format_number, set_next_value
from app.settings import update_settings
from db.base import Base
from db.engine import index_exists
from db.models import (
    Bin,
    Customer,
    Location,
    OrderLine,
    PickList,
    PickListLine,
    PickListOrder,
    Product,
    ProductBarcode,
    ProductBinDefault,
    PurchaseOrder,
    PurchaseOrderLine,
    Reservation,
    ReturnAuthorization,
    ReturnLine,
    SalesOrder,
    Shipment,
    ShipmentLine,
    StockLevel,
    StockMove,
    Supplier,
)
from db.summaries import summaries_suspended
from db.types import utcnow

__all__ = ["DemoSummary", "generate_demo"]

ACTOR = "demo"
MAX_PRODUCTS = 1_000_000
MAX_ORDERS = 2_000_000
INSERT_CHUNK = 20_000  # rows per executemany: big enough to amortise, small enough for memory
ORDERS_PER_BATCH = 4_000  # orders generated, inserted and checked for cancel at a time
# tables whose plain indexes are built after loading instead of row by row
_BULK_TABLES = (Product, Customer, SalesOrder, OrderLine, Shipment, ShipmentLine, StockMove,
                StockLevel)  # fmt: skip


@dataclass(frozen=True, slots=True)
class DemoSummary:
    products: int
    orders: int
    order_lines: int
    customers: int
    locations: int
    bins: int
    shipments: int
    stock_moves: int
    seconds: float
    changes: ChangeSet = EVERYTHING


# --------------------------------------------------------------------------------------------
# Word lists. Names deliberately include accents, non-Latin-1 letters, '&' and '<' so every
# screen, document and export meets real-world text.
# --------------------------------------------------------------------------------------------

BUSINESS_NAME = "Nordlicht Trading Co."
BUSINESS_ADDRESS = "2150 NW Front Ave, Dock 4\nPortland, OR 97209\nUnited States"

WH1, WH2, STORE = 0, 1, 2  # location indexes; ids are index + 1
_LOCATIONS = (
    ("PDX", "Portland warehouse", "warehouse", "2150 NW Front Ave", "Dock 4", "Portland", "OR",
     "97209", "US"),
    ("HAM", "Hamburg warehouse", "warehouse", "Billstraße 118", "Halle 3", "Hamburg", "HH",
     "20539", "DE"),
    ("STORE", "Nordlicht Store Pearl District", "store", "1025 NW Couch St", None, "Portland",
     "OR", "97209", "US"),
)  # fmt: skip

# name, country, currency, lead time (days), categories, GS1 prefix ("UPC": some UPC-A codes)
_SUPPLIERS = (
    ("Fjordline Textiles A/S", "DK", "DKK", 21, ("apparel", "home"), "57"),
    ("Hanseatic Housewares GmbH", "DE", "EUR", 14, ("kitchen", "cookware"), "40"),
    ("Cascade Outdoor Supply Co.", "US", "USD", 7, ("outdoor", "bags"), "UPC"),
    ("Bałtyk Ceramika Sp. z o.o.", "PL", "PLN", 18, ("kitchen", "home"), "590"),
    ("Pennine Wool Mills Ltd", "GB", "GBP", 20, ("apparel",), "50"),
    ("Willamette Valley Pantry", "US", "USD", 5, ("pantry",), "UPC"),
    ("Atelier Papeterie Lyonnaise", "FR", "EUR", 16, ("stationery",), "30"),
    ("Ironwood Tool Works", "US", "USD", 10, ("tools", "cookware"), "1"),
    ("Costa Brava Cuero S.L.", "ES", "EUR", 25, ("bags", "stationery"), "84"),
    ("Southern Cross Outfitters Pty Ltd", "AU", "AUD", 30, ("outdoor", "apparel"), "93"),
    ("Nordkap Friluft ApS", "DK", "DKK", 21, ("outdoor", "tools"), "57"),
    ("Rheinland Glas & Keramik GmbH", "DE", "EUR", 14, ("kitchen", "home"), "40"),
    ("Maple Leaf Mercantile Inc.", "CA", "CAD", 9, ("home", "pantry"), "1"),
    ("Harbor & Pine Goods", "US", "USD", 6, ("home", "stationery"), "UPC"),
    ("Bretagne Linge de Maison", "FR", "EUR", 18, ("home", "cookware"), "30"),
    ("Kraków Leather Guild", "PL", "PLN", 20, ("bags",), "590"),
    ("Highland Candle Company", "GB", "GBP", 12, ("home",), "50"),
    ("Sierra Trail Gear LLC", "US", "USD", 8, ("outdoor", "tools", "bags"), "UPC"),
    ("Västkusten Design AB", "SE", "SEK", 19, ("home", "kitchen"), "73"),
    ("Kyoto Paper & Ink Co.", "JP", "JPY", 35, ("stationery", "pantry"), "45"),
)

_COLORS = (
    "Charcoal", "Forest Green", "Oatmeal", "Navy", "Rust", "Mustard", "Slate Blue",
    "Heather Grey", "Sand", "Black", "Natural", "Moss", "Berry", "Fog", "Ivory", "Ochre", "Pine",
    "Clay", "Sky", "Terracotta",
)  # fmt: skip
_QUALIFIERS = (
    "Nordic", "Classic", "Heritage", "Field", "Alpine", "Coastal", "Harbor", "Fjord", "Birch",
    "Everyday", "Trail", "Studio", "Workshop", "Cabin", "Lighthouse", "Aurora", "Tundra",
    "Meadow", "Island", "Summit",
)  # fmt: skip
_VARIANTS = {
    "color_size": (_COLORS, ("XS", "S", "M", "L", "XL", "XXL")),
    "capacity_color": (("250 ml", "350 ml", "500 ml", "750 ml", "1 l"), _COLORS),
    "color": (_COLORS,),
    "size": (("Small", "Medium", "Large", "20 cm", "26 cm", "30 cm"),),
    "paper": (("A5", "A6", "B5", "Pocket"), _COLORS),
    "volume_color": (("12 l", "20 l", "28 l", "35 l"), _COLORS),
    "net": (("100 g", "250 g", "340 g", "500 g", "1 kg"),),
}
# key, items, variant kind, weight range (g), price range (minor units)
_CATEGORIES = (
    ("apparel", ("Merino Wool Beanie", "Fleece Neck Gaiter", "Organic Cotton T-Shirt",
     "Rain Shell Jacket", "Quilted Vest", "Wool Hiking Socks", "Knit Scarf", "Canvas Work Shirt",
     "Down Mittens", "Flannel Shirt", "Linen Trousers", "Alpaca Sweater"), "color_size",
     (60, 900), (1500, 22900)),
    ("kitchen", ("Enamel Camp Mug", "Stoneware Mug", "Glass Carafe", "Stainless Water Bottle",
     "Insulated Tumbler", "Ceramic Teapot", "Pour-Over Coffee Dripper", "Milk Jug",
     "Serving Bowl"), "capacity_color", (150, 1500), (900, 8900)),
    ("cookware", ("Cast Iron Skillet", "Carbon Steel Pan", "Bamboo Cutting Board",
     "Oak Serving Board", "Chef's Knife", "Mortar and Pestle", "Linen Tea Towel Set"), "size",
     (200, 3200), (1500, 14900)),
    ("outdoor", ("Trail Headlamp", "Camp Lantern", "Dry Bag", "Trekking Pole Pair",
     "Folding Knife", "Camping Hammock", "Foam Sit Pad", "Baseplate Compass",
     "Emergency Blanket", "Collapsible Bowl"), "color", (40, 1800), (900, 12900)),
    ("home", ("Beeswax Candle", "Wool Throw Blanket", "Linen Cushion Cover", "Oak Picture Frame",
     "Cotton Rope Basket", "Ceramic Vase", "Wall Hook Set", "Soy Wax Tealights",
     "Sheepskin Rug"), "color", (120, 2500), (1200, 19900)),
    ("stationery", ("Dot Grid Notebook", "Brass Ballpoint Pen", "Linen Bound Journal",
     "Kraft Envelope Set", "Washi Tape Set", "Fountain Pen Ink", "Leather Card Holder",
     "Pencil Set"), "paper", (20, 600), (450, 6900)),
    ("bags", ("Waxed Canvas Tote", "Roll-Top Backpack", "Leather Weekender", "Hip Pack",
     "Laptop Sleeve", "Market Bag", "Toiletry Bag"), "volume_color", (150, 1900),
     (2500, 29900)),
    ("tools", ("Brass Hose Nozzle", "Garden Trowel", "Pruning Shears", "Hand Rake",
     "Twine Dispenser", "Kneeling Pad", "Watering Can", "Seed Tray Set"), "color", (80, 1600),
     (900, 7900)),
    ("pantry", ("Smoked Sea Salt", "Wildflower Honey", "Rye Crispbread", "Dark Chocolate Bar",
     "Lingonberry Jam", "Ground Coffee", "Loose Leaf Black Tea", "Licorice Drops",
     "Maple Syrup"), "net", (80, 1100), (450, 2900)),
)  # fmt: skip
_CENT_ENDINGS = (99, 99, 95, 49, 0)
_REORDER_QUANTITIES = (6, 12, 12, 24, 24, 36, 48, 60, 100, 120)

# Customers ------------------------------------------------------------------------------------

# name, country, company: shown first so every screen and document meets them early
_FEATURED_CUSTOMERS = (
    ("Zoë Łukasiewicz", "PL", None),
    ("Søren Kierkegaard", "DK", None),
    ("José Ñúñez", "ES", None),
    ("François Müller", "FR", None),
    ("Ægir Þórsson", "DK", None),
    ("Małgorzata Wiśniewska", "PL", None),
    ("Smith & Sons <Ltd>", "GB", "Smith & Sons <Ltd>"),
    ("Jürgen Groß", "DE", "Groß & Köhler GmbH"),
    ("Nguyễn Thị Hương", "AU", None),
    ("Siobhán O'Connor", "GB", None),
    ("Amélie Côté", "CA", None),
    ("Ayşe Yılmaz", "DE", None),
    ('Dwayne "DJ" Washington', "US", "Washington & Daughters <Wholesale>"),
)
_COMPANIES = (
    "Smith & Sons <Ltd>", "Müller & Töchter GmbH", "Brøndum & Co. ApS", "Café Olé S.L.",
    "Green & Gold Florists", "O'Reilly & Daughters", "Fjeld & Fjord A/S", "Łąka Studio Sp. z o.o.",
    "Bäckerei Schröder", "<Blue Door> Interiors", "Ferme du Château SARL", "Harbour & Co <Pty>",
    "Núñez Hermanos S.A.", "Nørrebro Kaffe", "Acme Outfitters & Supply", "Żabka Design",
)  # fmt: skip
_NAMES = {
    "US": (
        ("James", "Mary", "Olivia", "Liam", "Emma", "Noah", "Ava", "Ethan", "Sophia", "Mason",
         "Isabella", "Lucas", "Harper", "Elijah", "Amelia", "Mateo", "Chloé", "Renée", "André",
         "Zoë", "DeShawn", "Aaliyah", "Priya", "Wei", "Hannah", "Caleb"),
        ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
         "Rodriguez", "Martínez", "Hernández", "Lopez", "Nguyễn", "Kim", "Patel", "O'Brien",
         "Walker", "Young", "Allen", "Wright", "King", "Scott", "Torres", "Ramírez", "Kowalski",
         "Dubois", "Yamamoto", "Okafor"),
    ),
    "CA": (
        ("Liam", "Olivia", "Noah", "Charlotte", "Félix", "Léa", "Émile", "Chloé", "William",
         "Amélie", "Gabriel", "Zoé", "Mathis", "Jacob", "Maëlle", "Owen"),
        ("Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie",
         "Fortin", "Bélanger", "Smith", "MacDonald", "Wilson", "Campbell", "Thompson",
         "Lévesque"),
    ),
    "GB": (
        ("Oliver", "George", "Harry", "Amelia", "Isla", "Ava", "Freya", "Charlotte", "Arthur",
         "Siobhán", "Niamh", "Rhys", "Seán", "Eilidh", "Dylan", "Priya", "Aoife"),
        ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Thomas", "Roberts",
         "Walsh", "O'Connor", "MacLeod", "Ó Briain", "Patel", "Khan", "Hughes"),
    ),
    "DE": (
        ("Jürgen", "Lukas", "Leon", "Mia", "Emma", "Hannah", "Jörg", "Björn", "Sören", "Käthe",
         "Günther", "Anja", "Lena", "Maximilian", "Felix", "Sophie", "Zoë", "Ayşe"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
         "Schäfer", "Koch", "Bauer", "Groß", "Köhler", "Weiß", "Krüger", "Schröder", "Jäger",
         "Yılmaz", "Öztürk", "Nowak"),
    ),
    "FR": (
        ("François", "Amélie", "Hélène", "Léo", "Inès", "Chloé", "Élodie", "Gaëlle", "Jérôme",
         "Noël", "Anaïs", "Loïc", "Thaïs", "Benoît", "Margaux", "Raphaël"),
        ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
         "Lefèvre", "Mercier", "Girard", "Fournier", "Bonnet", "Müller", "Garnier", "Chevalier",
         "Faure", "Rousseau"),
    ),
    "DK": (
        ("Søren", "Mette", "Jørgen", "Åse", "Bjørn", "Frederik", "Ida", "Freja", "Mads", "Signe",
         "Rasmus", "Astrid", "Ægir", "Sigrún", "Þóra", "Karoline"),
        ("Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen",
         "Sørensen", "Rasmussen", "Jørgensen", "Kierkegaard", "Østergaard", "Bødker",
         "Þórsson", "Dahl", "Mølgaard"),
    ),
    "PL": (  # first names tagged with gender so surnames in -ski/-cki take the -ska/-cka form
        ("Małgorzata/f", "Zoë/f", "Łukasz/m", "Paweł/m", "Agnieszka/f", "Katarzyna/f",
         "Michał/m", "Wojciech/m", "Żaneta/f", "Jędrzej/m", "Grażyna/f", "Bożena/f",
         "Krzysztof/m", "Zofia/f", "Stanisław/m", "Ewa/f"),
        ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski", "Zieliński",
         "Szymański", "Woźniak", "Dąbrowski", "Łukasiewicz", "Kozłowski", "Jabłoński", "Mazur",
         "Krawczyk", "Żak", "Górecki"),
    ),
    "ES": (
        ("José", "María", "Íñigo", "Begoña", "Álvaro", "Lucía", "Sofía", "Martín", "Nuria",
         "Pilar", "Andrés", "Mónica", "Raúl", "Inés", "Jesús", "Carmen"),
        ("Ñúñez", "García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez",
         "Pérez", "Gómez", "Muñoz", "Jiménez", "Álvarez", "Romero", "Ibáñez", "Peña",
         "Castañeda", "Ortiz"),
    ),
    "AU": (
        ("Jack", "Charlotte", "Oliver", "Mia", "William", "Isla", "Lachlan", "Matilda", "Ngaio",
         "Aroha", "Chloe", "Thomas", "Ruby", "Hamish", "Mei", "Thảo"),
        ("Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Nguyễn", "Trần", "Lê",
         "Anderson", "Thompson", "White", "Martin", "Kelly", "O'Sullivan", "Papadopoulos"),
    ),
}  # fmt: skip
# country -> (weight in the customer mix, calling code)
_COUNTRIES = {
    "US": (55, "+1"),
    "CA": (8, "+1"),
    "GB": (8, "+44"),
    "DE": (9, "+49"),
    "FR": (5, "+33"),
    "DK": (3, "+45"),
    "PL": (4, "+48"),
    "ES": (4, "+34"),
    "AU": (4, "+61"),
}
_EUROPE = frozenset(("GB", "DE", "FR", "DK", "PL", "ES"))
# country -> cities as (city, region, postal spec); the spec is read by _postal_code()
_CITIES = {
    "US": (
        ("Portland", "OR", "972"), ("Seattle", "WA", "981"), ("San Francisco", "CA", "941"),
        ("Los Angeles", "CA", "900"), ("Austin", "TX", "787"), ("Denver", "CO", "802"),
        ("Chicago", "IL", "606"), ("Brooklyn", "NY", "112"), ("New York", "NY", "100"),
        ("Boston", "MA", "021"), ("Minneapolis", "MN", "554"), ("Atlanta", "GA", "303"),
        ("Miami", "FL", "331"), ("Nashville", "TN", "372"), ("Boise", "ID", "837"),
        ("Anchorage", "AK", "995"), ("Honolulu", "HI", "968"), ("Santa Fe", "NM", "875"),
        ("Burlington", "VT", "054"), ("Madison", "WI", "537"),
    ),
    "CA": (
        ("Toronto", "ON", "M5V"), ("Toronto", "ON", "M4C"), ("Montréal", "QC", "H2X"),
        ("Vancouver", "BC", "V6B"), ("Calgary", "AB", "T2P"), ("Ottawa", "ON", "K1P"),
        ("Québec", "QC", "G1R"), ("Halifax", "NS", "B3H"), ("Winnipeg", "MB", "R3C"),
        ("Victoria", "BC", "V8W"),
    ),
    "GB": (
        ("London", "England", "SW1A"), ("London", "England", "EC1V"), ("London", "England", "N1"),
        ("London", "England", "SE1"), ("Manchester", "England", "M1"),
        ("Birmingham", "England", "B1"), ("Edinburgh", "Scotland", "EH1"),
        ("Glasgow", "Scotland", "G2"), ("Leeds", "England", "LS1"), ("Bristol", "England", "BS1"),
        ("Cardiff", "Wales", "CF10"), ("Belfast", "Northern Ireland", "BT1"),
        ("York", "England", "YO1"), ("Brighton", "England", "BN1"),
    ),
    "DE": (
        ("Berlin", "BE", (10115, 14199)), ("Hamburg", "HH", (20095, 22769)),
        ("München", "BY", (80331, 81929)), ("Köln", "NW", (50667, 51149)),
        ("Frankfurt am Main", "HE", (60306, 60599)), ("Düsseldorf", "NW", (40210, 40629)),
        ("Leipzig", "SN", (4103, 4357)), ("Stuttgart", "BW", (70173, 70629)),
        ("Nürnberg", "BY", (90402, 90491)), ("Lübeck", "SH", (23552, 23570)),
        ("Münster", "NW", (48143, 48167)),
    ),
    "FR": (
        ("Paris", "Île-de-France", (75001, 75020)),
        ("Lyon", "Auvergne-Rhône-Alpes", (69001, 69009)),
        ("Marseille", "Provence-Alpes-Côte d'Azur", (13001, 13016)),
        ("Toulouse", "Occitanie", (31000, 31500)),
        ("Bordeaux", "Nouvelle-Aquitaine", (33000, 33300)),
        ("Nantes", "Pays de la Loire", (44000, 44300)),
        ("Lille", "Hauts-de-France", (59000, 59800)),
        ("Strasbourg", "Grand Est", (67000, 67200)),
        ("Besançon", "Bourgogne-Franche-Comté", (25000, 25000)),
    ),
    "DK": (
        ("København K", None, (1050, 1473)), ("København Ø", None, (2100, 2100)),
        ("Frederiksberg C", None, (1800, 1974)), ("Aarhus C", None, (8000, 8000)),
        ("Odense C", None, (5000, 5000)), ("Aalborg", None, (9000, 9000)),
        ("Helsingør", None, (3000, 3000)), ("Roskilde", None, (4000, 4000)),
        ("Esbjerg", None, (6700, 6700)),
    ),
    "PL": (
        ("Warszawa", "mazowieckie", (0, 4)), ("Kraków", "małopolskie", (30, 31)),
        ("Gdańsk", "pomorskie", (80, 80)), ("Wrocław", "dolnośląskie", (50, 54)),
        ("Łódź", "łódzkie", (90, 94)), ("Poznań", "wielkopolskie", (60, 61)),
        ("Szczecin", "zachodniopomorskie", (70, 71)), ("Lublin", "lubelskie", (20, 20)),
        ("Białystok", "podlaskie", (15, 15)),
    ),
    "ES": (
        ("Madrid", "Madrid", (28001, 28055)), ("Barcelona", "Barcelona", (8001, 8042)),
        ("Sevilla", "Sevilla", (41001, 41020)), ("Valencia", "Valencia", (46001, 46026)),
        ("Bilbao", "Bizkaia", (48001, 48015)), ("Málaga", "Málaga", (29001, 29018)),
        ("A Coruña", "A Coruña", (15001, 15011)), ("Zaragoza", "Zaragoza", (50001, 50020)),
        ("Logroño", "La Rioja", (26001, 26009)),
    ),
    "AU": (
        ("Sydney", "NSW", (2000, 2234)), ("Melbourne", "VIC", (3000, 3207)),
        ("Brisbane", "QLD", (4000, 4179)), ("Perth", "WA", (6000, 6199)),
        ("Adelaide", "SA", (5000, 5174)), ("Hobart", "TAS", (7000, 7055)),
        ("Canberra", "ACT", (2600, 2620)), ("Darwin", "NT", (800, 832)),
    ),
}  # fmt: skip
_STREETS = {
    "US": ("Maple Street", "Oak Avenue", "Pine Street", "Cedar Lane", "Elm Street",
           "Washington Boulevard", "Lincoln Avenue", "Park Road", "Lake Drive", "Hillcrest Court",
           "NE Alberta Street", "SE Division Street", "Main Street", "Sunset Way"),
    "CA": ("Queen Street West", "rue Saint-Denis", "boulevard René-Lévesque Ouest",
           "Jasper Avenue", "Robson Street", "rue Sainte-Catherine Est", "Yonge Street",
           "Spring Garden Road", "avenue du Mont-Royal Est"),
    "GB": ("High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane",
           "Queen's Road", "Kingsway", "The Crescent", "Albert Street", "St Mary's Close"),
    "DE": ("Hauptstraße", "Bahnhofstraße", "Schillerstraße", "Goethestraße", "Lindenallee",
           "Kastanienweg", "Mühlenweg", "Große Elbstraße", "Königsallee", "Friedrichstraße",
           "Schloßstraße"),
    "FR": ("rue de la Paix", "avenue des Champs-Élysées", "rue Mouffetard",
           "boulevard Saint-Germain", "place Bellecour", "rue de la République",
           "quai des Chartrons", "impasse des Lilas", "allée des Peupliers"),
    "DK": ("Nørregade", "Østerbrogade", "Vesterbrogade", "Åboulevard", "Søndergade",
           "Frederiksborggade", "Ægirsgade", "Jægersborggade", "Blågårdsgade"),
    "PL": ("Marszałkowska", "Piotrkowska", "Długa", "Floriańska", "Świętokrzyska",
           "Żeromskiego", "Mickiewicza", "Kościuszki", "Nowy Świat", "Grunwaldzka"),
    "ES": ("Calle de Alcalá", "Gran Vía", "Calle Mayor", "Avenida de la Constitución",
           "Passeig de Gràcia", "Calle Sierpes", "Plaza de España", "Calle Larios",
           "Rúa do Franco"),
    "AU": ("George Street", "Collins Street", "Queen Street", "Hay Street",
           "King William Street", "Elizabeth Street", "Smith Street", "Chapel Street",
           "Brunswick Street"),
}  # fmt: skip
_EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example", "post.example")
_ASCII_FOLD = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "þ": "th", "Þ": "Th",
     "ð": "d", "Ð": "D", "ß": "ss", "đ": "d", "Đ": "D", "ı": "i"}
)  # fmt: skip
# tax in basis points on goods: US by state, others by destination country
_US_TAX = {"OR": 0, "WA": 1025, "CA": 875, "TX": 825, "CO": 290, "IL": 1025, "NY": 888,
           "MA": 625, "MN": 788, "GA": 890, "FL": 700, "TN": 975, "ID": 600, "AK": 0, "HI": 450,
           "NM": 788, "VT": 600, "WI": 550}  # fmt: skip
_COUNTRY_TAX = {"CA": 500, "GB": 2000, "DE": 1900, "FR": 2000, "DK": 2500, "PL": 2300,
                "ES": 2100, "AU": 1000}  # fmt: skip

# Orders ----------------------------------------------------------------------------------------

DRAFT, OPEN, PICKING, PACKED = "draft", "open", "picking", "packed"
PARTIAL, SHIPPED, DELIVERED, CANCELLED = "partially_shipped", "shipped", "delivered", "cancelled"
# (max age in days, [(status, weight)]): older orders are mostly done, recent ones in progress
_STATUS_BY_AGE = (
    (0.25, ((DRAFT, 4), (OPEN, 66), (PICKING, 10), (PACKED, 5), (SHIPPED, 13), (CANCELLED, 2))),
    (2.0, ((DRAFT, 2), (OPEN, 20), (PICKING, 7), (PACKED, 6), (PARTIAL, 3), (SHIPPED, 58),
           (DELIVERED, 2), (CANCELLED, 2))),
    (7.0, ((DRAFT, 1), (OPEN, 3.5), (PACKED, 0.5), (PARTIAL, 3), (SHIPPED, 45),
           (DELIVERED, 44), (CANCELLED, 3))),
    (30.0, ((DRAFT, 0.3), (OPEN, 0.7), (PARTIAL, 1), (SHIPPED, 6), (DELIVERED, 88),
            (CANCELLED, 4))),
    (1e9, ((DRAFT, 0.1), (PARTIAL, 0.3), (SHIPPED, 1.5), (DELIVERED, 92.5), (CANCELLED, 5.6))),
)  # fmt: skip
_LINE_COUNT_WEIGHTS = (6, 9, 12, 14, 16, 14, 12, 9, 8)  # 1..9 lines, mean ≈ 5
_QUANTITY_WEIGHTS = ((1, 74), (2, 15), (3, 5), (4, 2), (5, 1), (6, 1.5), (10, 1), (12, 0.5))
_HOLD_REASONS = (
    "Payment under review",
    "Address could not be verified",
    "Customer asked to combine with a second order",
    "Waiting for customer to confirm colour",
    "Gift order: ship after the birthday date",
)
_NOTES = (
    "Please leave the parcel at the back door.",
    "Gift: no prices on the packing slip, please.",
    "Bitte beim Nachbarn abgeben.",
    "Livrer après 18 h, merci.",
    "Ring the bell twice — the buzzer is broken.",
    "Customer called: wants it before Friday.",
)
_UNMATCHED_LINES = (
    ("GIFT-WRAP", "Gift wrapping (recycled paper)", 400),
    ("LEGACY-0417", "Old catalog item 417", 1900),
    ("NL-9999X", "Sample kit (typo in web shop SKU)", 0),
    ("SHOPIFY-88412", "Custom engraving", 1500),
)

# (carrier, service, weight) by destination group
_CARRIERS = {
    "US": (("UPS", "UPS Ground", 45), ("UPS", "UPS 2nd Day Air", 5),
           ("USPS", "USPS Ground Advantage", 30), ("USPS", "Priority Mail", 8),
           ("FedEx", "FedEx Ground", 10), ("FedEx", "FedEx 2Day", 2)),
    "CA": (("Canada Post", "Expedited Parcel", 60), ("UPS", "UPS Standard", 25),
           ("FedEx", "FedEx International Economy", 15)),
    "GB": (("Royal Mail", "Tracked 48", 50), ("DPD", "DPD Next Day", 30),
           ("DHL", "DHL Express Worldwide", 20)),
    "EU": (("DHL", "DHL Paket", 55), ("DPD", "DPD Classic", 30), ("UPS", "UPS Standard", 15)),
    "INTL": (("DHL", "DHL Express Worldwide", 50), ("FedEx", "FedEx International Priority", 30),
             ("UPS", "UPS Worldwide Saver", 20)),
}  # fmt: skip
_TRACKING_URLS = {
    "UPS": "https://www.ups.com/track?tracknum={}",
    "USPS": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
    "FedEx": "https://www.fedex.com/fedextrack/?trknbr={}",
    "DHL": "https://www.dhl.com/global-en/home/tracking/tracking-parcel.html?tracking-id={}",
    "Royal Mail": "https://www.royalmail.com/track-your-item#/tracking-results/{}",
    "Canada Post": "https://www.canadapost-postescanada.ca/track-reperage/en#/details/{}",
    "DPD": "https://tracking.dpd.de/status/en_US/parcel/{}",
}
_UPS_SERVICE_CODES = {"UPS Ground": "03", "UPS 2nd Day Air": "02", "UPS Standard": "11"}
_PACKERS = (("Ana", "Dev", "Marcus", "Keiko"), ("Mikkel", "Joanna", "Lukas"), ("Zoë", "Sam"))

_RETURN_NOTES = {
    "damaged": ("Arrived with a chipped rim.", "Box was crushed in transit.", None),
    "wrong_item": ("Received the wrong colour.", "Got size M instead of L.", None),
    "not_as_described": ("Colour looks different from the photos.", None),
    "no_longer_needed": ("Bought two by mistake.", None, None),
    "other": ("Gift — recipient already has one.", None),
}


def _check_digit(body: str) -> str:
    """GS1 check digit (EAN-13, UPC-A, EAN-8, SSCC): weights 3,1,3,… from the right."""
    total = 0
    for position, char in enumerate(reversed(body)):
        total += int(char) * (3 if position % 2 == 0 else 1)
    return str((10 - total % 10) % 10)


def _ups_tracking(rng: random.Random, shipper: str, service: str) -> str:
    """'1Z' + shipper (6) + service (2) + package (7) + check digit: 18 characters."""
    body = shipper + _UPS_SERVICE_CODES.get(service, "65") + f"{rng.randrange(10**7):07d}"
    total = 0
    for position, char in enumerate(body):
        value = int(char) if char.isdigit() else (ord(char) - 63) % 10
        total += value * (2 if position % 2 else 1)
    return f"1Z{body}{(10 - total % 10) % 10}"


def _royal_mail_tracking(rng: random.Random) -> str:
    """UPU S10: two letters, 8 digits, a mod-11 check digit, 'GB'."""
    serial = f"{rng.randrange(10**8):08d}"
    total = sum(int(d) * w for d, w in zip(serial, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    check = 11 - total % 11
    check = 0 if check == 10 else 5 if check == 11 else check
    return f"{rng.choice(('TT', 'QF', 'RB', 'LX'))}{serial}{check}GB"


def _tracking_number(rng: random.Random, carrier: str, service: str, location: int) -> str:
    if carrier == "UPS":
        return _ups_tracking(rng, ("4W7826", "9E1X55", "4W7826")[location], service)
    if carrier == "USPS":
        body = f"9400111{rng.randrange(10**14):014d}"
        return body + _check_digit(body)
    if carrier == "FedEx":
        return f"{rng.randrange(10**11, 10**12)}"
    if carrier == "DHL":
        if service == "DHL Paket":
            body = f"003404341{rng.randrange(10**10):010d}"
            return body + _check_digit(body)
        return f"{rng.randrange(10**9, 10**10)}"
    if carrier == "Royal Mail":
        return _royal_mail_tracking(rng)
    if carrier == "Canada Post":
        return f"{rng.randrange(10**15, 10**16)}"
    return f"0{rng.randrange(10**12, 10**13)}"  # DPD: 14 digits


def _ascii_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII_FOLD))
    return "".join(c for c in decomposed if c.isascii() and (c.isalnum() or c in ".-"))


def _postal_code(rng: random.Random, country: str, spec: Any) -> str:
    if country == "US":
        return f"{spec}{rng.randrange(100):02d}"
    if country == "CA":
        letters = "ABCEGHJKLMNPRSTVWXYZ"
        return f"{spec} {rng.randrange(10)}{rng.choice(letters)}{rng.randrange(10)}"
    if country == "GB":
        return f"{spec} {rng.randrange(10)}{''.join(rng.choices('ABDEFGHJLNPQRSTUWXYZ', k=2))}"
    low, high = spec
    if country == "PL":
        return f"{rng.randint(low, high):02d}-{rng.randrange(1000):03d}"
    width = 4 if country in ("DK", "AU") else 5
    return f"{rng.randint(low, high):0{width}d}"


def _street_address(rng: random.Random, country: str) -> tuple[str, str | None]:
    street = rng.choice(_STREETS[country])
    number = rng.randint(1, 240)
    extra = rng.random()
    if country in ("US", "CA", "AU"):
        line2 = rng.choice(("Apt 4B", "Suite 210", "Unit 7", "Apt 12")) if extra < 0.2 else None
        return f"{number} {street}", line2
    if country == "GB":
        return f"{number} {street}", (f"Flat {rng.randint(1, 12)}" if extra < 0.2 else None)
    if country == "FR":
        return f"{number} {street}", ("Bâtiment B, 3e étage" if extra < 0.15 else None)
    if country == "DK":
        floor = f", {rng.randint(1, 5)}. {rng.choice(('th.', 'tv.', 'mf.'))}" if extra < 0.6 else ""
        return f"{street} {number}{floor}", None
    if country == "PL":
        flat = f"/{rng.randint(1, 60)}" if extra < 0.6 else ""
        return f"ul. {street} {number}{flat}", None
    if country == "ES":
        floor = f", {rng.randint(1, 8)}º {rng.choice('ABCD')}" if extra < 0.6 else ""
        return f"{street}, {number}{floor}", None
    return f"{street} {number}", ("Hinterhaus" if extra < 0.1 else None)  # DE


def _phone(rng: random.Random, country: str) -> str:
    code = _COUNTRIES[country][1]
    if country in ("US", "CA"):
        area = rng.choice(("503", "206", "415", "212", "312", "512")) if country == "US" else "416"
        return f"{code} {area}-555-{rng.randrange(100, 200):04d}"
    if country == "GB":
        return f"{code} 20 7946 0{rng.randrange(1000):03d}"
    digits = f"{rng.randrange(10**7, 10**8)}"
    return f"{code} {digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}"


def _cumulative(weights: Sequence[float]) -> list[float]:
    return list(accumulate(weights))


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


def generate_demo(
    session: Session,
    *,
    products: int,
    orders: int,
    seed: int = 7,
    progress: Callable[[str, float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> DemoSummary:
    """Fill an empty database with a realistic demo shop, inside the caller's transaction.

    Inputs: `products` (1..1,000,000) and `orders` (0..2,000,000) to create; `seed` makes the
    data reproducible (same seed, same numbers, names, statuses and quantities; timestamps are
    relative to now). `progress(text, fraction)` is called now and then, possibly from a worker
    thread; `cancelled()` is polled between batches.

    Effects: writes locations and bins, suppliers, products with GTINs and extra barcodes,
    customers, orders in every status with lines, reservations, pick lists, shipments with
    tracking, the stock ledger (opening and purchase receipts, shipments, returns) and matching
    stock levels, returns, purchase orders, business settings, number sequences moved past the
    generated numbers, and a `demo.generate` audit event. Never commits. The data passes
    `packbench doctor`: levels equal ledger sums, reservations equal allocations and are covered
    by stock, shipment lines add up to shipped quantities.

    Errors: ValidationError (field `products` or `orders`) for counts out of range; Conflict when
    the database already has products or orders (nothing is written); DomainError("demo
    generation cancelled") when `cancelled()` returns True, so the caller's transaction rolls
    back.
    """
    _validate_count("products", products, 1, MAX_PRODUCTS)
    _validate_count("orders", orders, 0, MAX_ORDERS)
    existing_products = session.scalar(select(func.count()).select_from(Product)) or 0
    existing_orders = session.scalar(select(func.count()).select_from(SalesOrder)) or 0
    if existing_products or existing_orders:
        raise Conflict(
            f"this database already has {existing_products} products and {existing_orders} "
            "orders; use a new data dir (--data-dir) for the demo shop"
        )
    generator = _DemoGenerator(session, products, orders, seed, progress, cancelled)
    # Millions of short-lived row dicts would make the cyclic collector rescan every live
    # object again and again (~3 s of CPU); nothing generated here forms reference cycles.
    collecting = gc.isenabled()
    gc.disable()
    try:
        # Summaries are rebuilt once at the end rather than by a trigger per generated row.
        with summaries_suspended(session.connection()):
            summary = generator.run()
    finally:
        if collecting:
            gc.enable()
    _advance_id_sequences(session)
    return summary


def _advance_id_sequences(session: Session) -> None:
    """PostgreSQL: the demo chose its own ids, so move each table's id sequence past them
    (SQLite needs nothing: it continues from the largest rowid)."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        column = table.c.get("id")
        if column is None or not column.primary_key or not column.autoincrement:
            continue
        conn.execute(
            select(
                func.setval(
                    func.pg_get_serial_sequence(table.name, "id"),
                    select(func.coalesce(func.max(column), 0) + 1).scalar_subquery(),
                    False,
                )
            )
        )


def _validate_count(field: str, value: object, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(f"{field} must be a whole number, not {value!r}", field=field)
    if not low <= value <= high:
        raise ValidationError(
            f"{field} must be between {low:,} and {high:,} (got {value:,})", field=field
        )


def _utc_text(value: datetime) -> str:
    return value.isoformat(" ", "microseconds")[:26]


def _none_safe(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else processor(value)


def _utc_datetime_converter(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The column's own processor, short-cut for aware UTC values (what the demo makes)."""

    def convert(value: Any) -> Any:
        if value is None:
            return None
        if value.tzinfo is UTC:
            return value.isoformat(" ", "microseconds")[:26]
        return processor(value)

    return convert


@dataclass(frozen=True, slots=True)
class _InsertPlan:
    """A Core-compiled INSERT for one table and key set, with per-column value converters."""

    sql: str | None  # None: the dialect takes named parameters, use plain Core executemany
    getter: Callable[[dict[str, Any]], Any] | None  # row dict -> values in statement order
    converters: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, converter)

    @classmethod
    def build(cls, conn: Connection, table: Table, keys: tuple[str, ...]) -> _InsertPlan:
        dialect = conn.dialect
        compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
        if not compiled.positional or compiled.positiontup is None:
            return cls(None, None, ())
        ordered = [compiled.binds[name].key for name in compiled.positiontup]
        probes = (
            datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
            datetime(2024, 12, 31, 23, 59, 0, tzinfo=UTC),
        )
        converters = []
        for position, key in enumerate(ordered):
            column_type = table.c[key].type
            processor = column_type.dialect_impl(dialect).bind_processor(dialect)
            if processor is None:
                continue
            converter = _none_safe(processor)
            datetime_type = getattr(column_type, "impl_instance", column_type)
            # the fast formatter only where it provably writes what the type itself writes
            if isinstance(datetime_type, DateTime) and all(
                processor(probe) == _utc_text(probe) for probe in probes
            ):
                converter = _utc_datetime_converter(processor)
            converters.append((position, converter))
        getter = itemgetter(*ordered) if len(ordered) > 1 else (lambda row: (row[ordered[0]],))
        return cls(str(compiled), getter, tuple(converters))

    def parameters(self, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        assert self.getter is not None
        values = list(map(self.getter, rows))
        if not self.converters:
            return values
        converters = self.converters
        converted = []
        for row in values:
            row = list(row)
            for position, convert in converters:
                row[position] = convert(row[position])
            converted.append(tuple(row))
        return converted


class _DemoGenerator:
    """State of one demo run. Rows get ids assigned here, so nothing needs RETURNING."""

    def __init__(
        self,
        session: Session,
        n_products: int,
        n_orders: int,
        seed: int,
        progress: Callable[[str, float], None] | None,
        cancelled: Callable[[], bool] | None,
    ) -> None:
        self.session = session
        self.conn: Connection = session.connection()
        self.rng = random.Random(seed)
        self.seed = seed
        self.n_products = n_products
        self.n_orders = n_orders
        self.n_customers = max(len(_FEATURED_CUSTOMERS) + 8, n_orders // 3)
        self._progress = progress
        self._cancelled = cancelled
        self.started = time.perf_counter()
        # every timestamp is an offset from this minute, so a seed gives the same shop any day
        self.now = utcnow().replace(second=0, microsecond=0)
        self.rows: dict[str, int] = {}
        self.next_move_id = 1
        # units put back on the shelf by returns: (location, product) and (quarantine bin, product)
        self.restocked: dict[tuple[int, int], int] = {}
        self.insert_plans: dict[tuple[str, tuple[str, ...]], _InsertPlan] = {}
        self.quarantined: dict[tuple[int, int], int] = {}

    # -- plumbing ------------------------------------------------------------------------------

    def report(self, text: str, fraction: float) -> None:
        if self._cancelled is not None and self._cancelled():
            raise DomainError("demo generation cancelled")
        if self._progress is not None:
            self._progress(text, min(1.0, max(0.0, fraction)))

    def insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Bulk insert `rows` (dicts with the same keys) in chunks of INSERT_CHUNK.

        Why not plain `conn.execute(insert(table), rows)`: SQLAlchemy's generic per-row parameter
        processing cost ~10-14 s of CPU in the 100k/200k demo, as much as SQLite's own work on
        those rows. So the INSERT compiled by Core for this dialect runs through the driver's
        executemany, each value converted by its column type's own bind processor (see
        _InsertPlan). Dialects with named parameters take the plain Core path.
        """
        if not rows:
            return
        keys = tuple(rows[0])
        plan = self.insert_plans.get((table.name, keys))
        if plan is None:
            plan = self.insert_plans[(table.name, keys)] = _InsertPlan.build(self.conn, table, keys)
        for start in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[start : start + INSERT_CHUNK]
            if plan.sql is None:  # named parameters: plain Core
                self.conn.execute(insert(table), chunk)
            else:
                self.conn.exec_driver_sql(plan.sql, plan.parameters(chunk))
        self.rows[table.name] = self.rows.get(table.name, 0) + len(rows)

    def drop_secondary_indexes(self) -> list[Index]:
        """Drop the big tables' plain (non-unique) indexes; `run` re-creates them at the end.

        Why: keeping a million-row table's random-order indexes (product, SKU, customer, e-mail)
        up to date row by row costs SQLite about three times the insert itself, while building an
        index afterwards is one sort. DDL is transactional, so a rollback restores them; the
        definitions come from the models, so the schema ends up exactly as migrated.
        """
        dropped = []
        for model in _BULK_TABLES:
            for index in sorted(model.__table__.indexes, key=lambda i: i.name or ""):
                if not index.unique and self.has_index(index):
                    index.drop(self.conn)
                    dropped.append(index)
        return dropped

    def has_index(self, index: Index) -> bool:
        return index_exists(self.conn, index.table.name, index.name)

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def move(
        self,
        product: int,
        from_bin: int | None,
        to_bin: int | None,
        quantity: int,
        reason: str,
        reference: str,
        at: datetime,
        note: str | None = None,
    ) -> dict[str, Any]:
        move_id = self.next_move_id
        self.next_move_id += 1
        return {
            "id": move_id,
            "product_id": product + 1,
            "from_bin_id": from_bin,
            "to_bin_id": to_bin,
            "quantity": quantity,
            "reason": reason,
            "reference": reference,
            "note": note,
            "reverses_move_id": None,
            "actor": ACTOR,
            "at": at,
        }

    # -- the run ---------------------------------------------------------------------------------

    def run(self) -> DemoSummary:
        self.report("Creating locations and bins", 0.0)
        dropped = self.drop_secondary_indexes()
        self.make_locations()
        self.make_suppliers()
        self.report("Creating products", 0.02)
        self.make_products()
        self.report("Creating customers", 0.10)
        self.make_customers()
        self.report("Creating orders", 0.14)
        self.make_orders()
        self.report("Creating returns", 0.86)
        self.make_returns()
        self.report("Creating purchase orders", 0.88)
        self.make_purchase_orders()
        self.report("Booking stock", 0.90)
        self.make_stock()
        self.report("Creating pick lists", 0.96)
        self.make_pick_lists()
        self.report("Indexing", 0.97)
        for index in dropped:
            index.create(self.conn)
        self.finish()
        seconds = time.perf_counter() - self.started
        summary = DemoSummary(
            products=self.n_products,
            orders=self.n_orders,
            order_lines=self.rows.get("order_line", 0),
            customers=self.n_customers,
            locations=len(_LOCATIONS),
            bins=self.rows.get("bin", 0),
            shipments=self.rows.get("shipment", 0),
            stock_moves=self.rows.get("stock_move", 0),
            seconds=round(seconds, 2),
            changes=EVERYTHING,
        )
        self.report("Demo shop ready", 1.0)
        return summary

    # -- places ----------------------------------------------------------------------------------

    def make_locations(self) -> None:
        rows = []
        for index, (code, name, kind, a1, a2, city, region, postal, country) in enumerate(
            _LOCATIONS
        ):
            rows.append(
                {
                    "id": index + 1,
                    "code": code,
                    "name": name,
                    "kind": kind,
                    "address1": a1,
                    "address2": a2,
                    "city": city,
                    "region": region,
                    "postal_code": postal,
                    "country": country,
                    "active": True,
                }
            )
        self.insert(Location.__table__, rows)

        bins: list[dict[str, Any]] = []
        self.storage_bins: list[list[int]] = [[], [], []]
        self.quarantine_bin: dict[int, int] = {}

        def add(location: int, code: str, kind: str, walk: int) -> int:
            bin_id = len(bins) + 1
            bins.append(
                {
                    "id": bin_id,
                    "location_id": location + 1,
                    "code": code,
                    "kind": kind,
                    "walk_sequence": walk,
                    "active": True,
                }
            )
            if kind == "storage":
                self.storage_bins[location].append(bin_id)
            elif kind == "quarantine":
                self.quarantine_bin[location] = bin_id
            return bin_id

        # Warehouses: aisle-section-level codes ("A-01-03"), walked aisle by aisle.
        layouts = (
            (WH1, min(max(self.n_products // 25, 40), 4000), 24, 5),
            (WH2, min(max(self.n_products // 60, 20), 1800), 20, 4),
        )
        for location, count, sections, levels in layouts:
            add(location, "RECV", "receiving", 0)
            walk = 0
            aisle = 0
            while len(self.storage_bins[location]) < count:
                name = _aisle_name(aisle)
                for section in range(1, sections + 1):
                    for level in range(1, levels + 1):
                        if len(self.storage_bins[location]) < count:
                            walk += 10
                            add(location, f"{name}-{section:02d}-{level:02d}", "storage", walk)
                aisle += 1
            add(location, "QUAR", "quarantine", walk + 1000)
        # The store: sales floor shelves, then the back room.
        add(STORE, "RECV", "receiving", 0)
        for shelf in range(1, 13):
            add(STORE, f"FL-{shelf:02d}", "storage", shelf * 10)
        for shelf in range(1, 7):
            add(STORE, f"BR-{shelf:02d}", "storage", 200 + shelf * 10)
        self.insert(Bin.__table__, bins)

    def make_suppliers(self) -> None:
        rng = self.rng
        rows = []
        self.suppliers_by_category: dict[str, list[int]] = {}
        for index, (name, country, currency, lead, categories, _prefix) in enumerate(_SUPPLIERS):
            slug = _ascii_fold(name.split()[0]).lower()
            rows.append(
                {
                    "id": index + 1,
                    "name": name,
                    "email": f"orders@{slug}.example",
                    "phone": _phone(rng, country) if country in _COUNTRIES else None,
                    "lead_time_days": lead,
                    "currency": currency,
                    "notes": "Minimum order 24 units per line." if index % 4 == 0 else None,
                    "created_at": self.ago(rng.uniform(500, 1200)),
                }
            )
            for category in categories:
                self.suppliers_by_category.setdefault(category, []).append(index)
        self.insert(Supplier.__table__, rows)

    # -- catalog ---------------------------------------------------------------------------------

    def make_products(self) -> None:
        rng = self.rng
        rnd = rng.random
        n = self.n_products
        self.price = [0] * n
        self.cost = [0] * n
        self.weight = [0] * n
        self.archived = [False] * n
        self.backorder = [False] * n
        self.reorder_point = [0] * n
        self.reorder_qty = [0] * n
        self.sku = [""] * n
        self.name = [""] * n
        self.supplier = [0] * n
        # per location: each product's one storage bin there (None: not stocked), the stock we
        # want left at the end, and what orders hold or consumed; stock is booked to match later
        self.bin_of: list[list[int | None]] = [[None] * n for _ in _LOCATIONS]
        self.target = [[0] * n for _ in _LOCATIONS]
        self.reserved = [[0] * n for _ in _LOCATIONS]
        self.consumed = [[0] * n for _ in _LOCATIONS]
        self.po_received = [[0] * n for _ in _LOCATIONS]
        self.products_by_supplier: list[list[int]] = [[] for _ in _SUPPLIERS]

        used_codes: set[str] = set()
        product_rows: list[dict[str, Any]] = []
        barcode_rows: list[dict[str, Any]] = []
        default_rows: list[dict[str, Any]] = []
        categories = _CATEGORIES
        storage = self.storage_bins
        for p in range(n):
            key, items, variant, (w_low, w_high), (p_low, p_high) = categories[
                rng.randrange(len(categories))
            ]
            item = items[rng.randrange(len(items))]
            base = f"{rng.choice(_QUALIFIERS)} {item}" if rnd() < 0.55 else item
            options = [rng.choice(values) for values in _VARIANTS[variant]]
            if variant == "color_size":
                name = f"{base} — {options[0]}, {options[1]}"
            elif variant in ("capacity_color", "paper", "volume_color"):
                name = f"{base} {options[0]} — {options[1]}"
            elif variant == "color":
                name = f"{base} — {options[0]}"
            else:
                name = f"{base} {options[0]}"
            if variant == "net":
                amount = options[0].split()
                weight = int(amount[0]) * (1000 if amount[1] == "kg" else 1) + rng.randint(20, 90)
            else:
                weight = rng.randint(w_low, w_high)
            # most of a range is cheap; a few items sit at the top (a catalog's long tail)
            dollars = p_low // 100 + int((p_high - p_low) // 100 * rnd() ** 3)
            price = dollars * 100 + rng.choice(_CENT_ENDINGS)
            price = max(price, 199)
            cost = max(1, int(price * rng.uniform(0.32, 0.62)))
            supplier = rng.choice(self.suppliers_by_category[key])
            supplier_code = _ascii_fold(_SUPPLIERS[supplier][0][:3]).upper()
            archived = n >= 20 and rnd() < 0.02
            backorder = not archived and rnd() < 0.03
            reorder_point = 0 if rnd() < 0.2 else rng.randint(4, 40)
            reorder_qty = rng.choice(_REORDER_QUANTITIES)
            sku = f"NL-{10001 + p}"
            gtin = self.make_gtin(supplier, used_codes) if rnd() < 0.7 else None
            created = self.ago(rng.uniform(380, 1100))
            product_rows.append(
                {
                    "id": p + 1,
                    "sku": sku,
                    "name": name,
                    "gtin": gtin,
                    "weight_g": weight,
                    "price_minor": price,
                    "cost_minor": cost,
                    "reorder_point": reorder_point,
                    "reorder_quantity": reorder_qty,
                    "allow_backorder": backorder,
                    "archived": archived,
                    "supplier_id": supplier + 1,
                    "supplier_sku": f"{supplier_code}-{rng.randrange(10**5):05d}",
                    "created_at": created,
                    "updated_at": created + timedelta(days=rng.uniform(0, 300)),
                }
            )
            self.price[p] = price
            self.cost[p] = cost
            self.weight[p] = weight
            self.archived[p] = archived
            self.backorder[p] = backorder
            self.reorder_point[p] = reorder_point
            self.reorder_qty[p] = reorder_qty
            self.sku[p] = sku
            self.name[p] = name
            self.supplier[p] = supplier
            self.products_by_supplier[supplier].append(p)

            extra = rnd()
            if extra < 0.04:  # an in-store label (GS1 prefix 2x: restricted circulation)
                body = f"21{p:010d}"
                barcode_rows.append((p, body + _check_digit(body), "In-store shelf label"))
            elif extra < 0.06:  # the supplier's own carton label
                barcode_rows.append((p, f"SUP{supplier + 1:02d}-{p:07d}", "Supplier carton label"))

            # where it is stocked, and how much we want on the shelf at the end
            for location, share in ((WH1, 0.96), (WH2, 0.45), (STORE, 0.12)):
                if rnd() >= (share / 2 if archived else share):
                    continue
                bins = storage[location]
                bin_id = bins[int(rnd() * len(bins))]
                self.bin_of[location][p] = bin_id
                if rnd() < 0.75:
                    default_rows.append(
                        {"product_id": p + 1, "location_id": location + 1, "bin_id": bin_id}
                    )
                self.target[location][p] = self.initial_target(location, p)
            if p % 20_000 == 19_999:
                self.report("Creating products", 0.02 + 0.08 * p / n)

        self.insert(Product.__table__, product_rows)
        self.insert(
            ProductBarcode.__table__,
            [
                {"id": i + 1, "product_id": p + 1, "code": code, "note": note}
                for i, (p, code, note) in enumerate(barcode_rows)
            ],
        )
        self.insert(ProductBinDefault.__table__, default_rows)
        # bestsellers are random products, not the first SKUs
        self.popularity = list(range(n))
        rng.shuffle(self.popularity)

    def make_gtin(self, supplier: int, used: set[str]) -> str:
        rng = self.rng
        prefix = _SUPPLIERS[supplier][5]
        while True:
            if prefix == "UPC" and rng.random() < 0.4:  # UPC-A, 12 digits
                body = rng.choice("0678") + f"{rng.randrange(10**10):010d}"
            else:
                lead = "1" if prefix == "UPC" else prefix
                body = lead + f"{rng.randrange(10 ** (12 - len(lead))):0{12 - len(lead)}d}"
            code = body + _check_digit(body)
            if code not in used:
                used.add(code)
                return code

    def initial_target(self, location: int, p: int) -> int:
        rng = self.rng
        r = rng.random()
        if self.archived[p]:
            return 0 if r < 0.7 else rng.randint(1, 5)
        if location == STORE:
            return rng.randint(0, 8)
        point = self.reorder_point[p]
        if r < 0.06:
            return 0  # sold out
        if r < 0.2:
            return rng.randint(1, max(1, point))  # at or below the reorder point
        scale = 1 if location == WH1 else 0.5
        return point + int(rng.randint(5, 3 * self.reorder_qty[p] + 10) * scale)

    # -- customers -------------------------------------------------------------------------------

    def make_customers(self) -> None:
        rng = self.rng
        rnd = rng.random
        countries = list(_COUNTRIES)
        country_cum = _cumulative([_COUNTRIES[c][0] for c in countries])
        rows: list[dict[str, Any]] = []
        self.customers: list[tuple[Any, ...]] = []
        for index in range(self.n_customers):
            company = None
            if index < len(_FEATURED_CUSTOMERS):
                name, country, company = _FEATURED_CUSTOMERS[index]
                first, _, last = name.partition(" ")
            else:
                country = countries[bisect(country_cum, rnd() * country_cum[-1])]
                firsts, lasts = _NAMES[country]
                first = rng.choice(firsts)
                last = rng.choice(lasts)
                if country == "PL":
                    first, gender = first.split("/")
                    if gender == "f" and last.endswith(("ski", "cki")):
                        last = last[:-1] + "a"
                name = f"{first} {last}"
                if rnd() < 0.08:
                    company = rng.choice(_COMPANIES)
            city, region, spec = rng.choice(_CITIES[country])
            address1, address2 = _street_address(rng, country)
            postal = _postal_code(rng, country, spec)
            email = None
            if rnd() < 0.97:
                local = f"{_ascii_fold(first)}.{_ascii_fold(last)}".lower().strip(".")
                if rnd() < 0.5:
                    local += str(rng.randint(1, 99))
                email = f"{local or 'customer'}@{rng.choice(_EMAIL_DOMAINS)}"
            phone = _phone(rng, country) if rnd() < 0.8 else None
            row = {
                "id": index + 1,
                "name": name,
                "email": email,
                "phone": phone,
                "company": company,
                "address1": address1,
                "address2": address2,
                "city": city,
                "region": region,
                "postal_code": postal,
                "country": country,
                "notes": "Prefers plastic-free packaging." if rnd() < 0.01 else None,
                "created_at": self.ago(rng.uniform(366, 900)),
            }
            rows.append(row)
            self.customers.append(
                (index + 1, name, email, phone, company, address1, address2, city, region,
                 postal, country)
            )  # fmt: skip
        self.insert(Customer.__table__, rows)

    # -- orders ----------------------------------------------------------------------------------

    def make_orders(self) -> None:
        """Orders oldest first with lines, reservations and shipments (lines and moves: in SQL).

        One flat loop on purpose: it runs a million times for the big demo.
        """
        rng = self.rng
        rnd = rng.random

        # random.randint/choice cost ~1 µs each through _randbelow; these run millions of times
        def randint(low: int, high: int) -> int:
            return low + int(rnd() * (high - low + 1))

        def choice(options: Sequence[Any]) -> Any:
            return options[int(rnd() * len(options))]

        n_orders = self.n_orders
        n_products = self.n_products
        n_customers = self.n_customers
        now = self.now
        td = timedelta

        # Placed times: up to a year of orders, growing towards today; numbered oldest first.
        # Small demos get a shorter history (about 20 orders a day) so that today still has
        # orders to pick and pack.
        span = 86400 * min(365.0, max(21.0, n_orders / 20))
        ages = []
        for _ in range(n_orders):
            r = rnd()
            ages.append(span * (r if rnd() < 0.6 else 1 - r**0.5))
        ages.sort(reverse=True)

        status_tables = [
            (limit, [s for s, _w in table], _cumulative([w for _s, w in table]))
            for limit, table in _STATUS_BY_AGE
        ]
        line_cum = _cumulative(_LINE_COUNT_WEIGHTS)
        qty_values = [q for q, _w in _QUANTITY_WEIGHTS]
        qty_cum = _cumulative([w for _q, w in _QUANTITY_WEIGHTS])
        popularity = self.popularity
        archived = self.archived
        price_of = self.price
        weight_of = self.weight
        sku_of = self.sku
        name_of = self.name
        backorder = self.backorder
        bin_of = self.bin_of
        target = self.target
        reserved = self.reserved
        customers = self.customers
        carriers = {
            group: ([c for c, _s, _w in table], [s for _c, s, _w in table],
                    _cumulative([w for _c, _s, w in table]))
            for group, table in _CARRIERS.items()
        }  # fmt: skip

        order_rows: list[dict[str, Any]] = []
        line_rows: list[dict[str, Any]] = []
        shipment_rows: list[dict[str, Any]] = []
        split_line_rows: list[dict[str, Any]] = []
        reservation_rows: list[dict[str, Any]] = []
        self.pick_candidates: list[tuple[Any, ...]] = []
        self.return_candidates: list[tuple[Any, ...]] = []
        rma_wanted = self.rma_count()
        rma_window = sum(1 for a in ages if 6 * 86400 <= a <= 120 * 86400) or 1
        rma_chance = min(1.0, 4 * rma_wanted / rma_window)

        line_id = 0
        shipment_id = 0
        shipment_line_id = 0
        reservation_id = 0

        def flush() -> None:
            self.insert(SalesOrder.__table__, order_rows)
            self.insert(OrderLine.__table__, line_rows)
            self.insert(Shipment.__table__, shipment_rows)
            self.insert(ShipmentLine.__table__, split_line_rows)
            self.insert(Reservation.__table__, reservation_rows)
            for rows in (order_rows, line_rows, shipment_rows, split_line_rows,
                         reservation_rows):  # fmt: skip
                rows.clear()

        for index in range(n_orders):
            if index and index % ORDERS_PER_BATCH == 0:
                flush()
                self.report(
                    f"Creating orders ({index:,} of {n_orders:,})",
                    0.14 + 0.72 * index / n_orders,
                )
            order_id = index + 1
            age_s = ages[index]
            age_d = age_s / 86400
            placed = now - td(seconds=age_s)
            for limit, statuses, cum in status_tables:
                if age_d < limit:
                    status = statuses[bisect(cum, rnd() * cum[-1])]
                    break
            cust = customers[int(n_customers * rnd() ** 1.3)]
            country = cust[10]
            pickup = country == "US" and rnd() < 0.06
            if pickup:  # collected at the counter: no carrier, no partial parcels
                if status == SHIPPED:
                    status = DELIVERED
                elif status == PARTIAL:
                    status = PACKED

            # products: distinct, skewed towards bestsellers; no archived ones on recent orders
            n_lines = min(bisect(line_cum, rnd() * line_cum[-1]) + 1, n_products)
            avoid_archived = age_d < 45
            chosen: list[int] = []
            for _ in range(n_lines * 4):
                p = popularity[int(n_products * rnd() ** 2.2)]
                if (avoid_archived and archived[p]) or p in chosen:
                    continue
                chosen.append(p)
                if len(chosen) == n_lines:
                    break
            if not chosen:  # tiny catalogs: fall back to any product
                chosen.append(popularity[0])

            if status in (DRAFT, CANCELLED):
                location = None
            elif pickup:
                location = STORE
            elif country in _EUROPE:
                stocked = sum(1 for p in chosen if bin_of[WH2][p] is not None)
                location = WH2 if 2 * stocked >= len(chosen) else WH1
            else:
                location = WH1

            # partially shipped: some lines went out in full, the rest wait (allocated or short)
            ship_count = 0
            if status == PARTIAL:
                if len(chosen) >= 2:
                    ship_count = randint(1, len(chosen) - 1)
                else:
                    status = SHIPPED
            if status in (SHIPPED, DELIVERED, PARTIAL) and age_s < 1800:
                status = OPEN  # placed minutes ago: nobody has shipped it yet
            shipping_now = status in (SHIPPED, DELIVERED)
            force = status in (PICKING, PACKED)
            allocate = status in (OPEN, PICKING, PACKED, PARTIAL)

            lines = []  # (line id, product, quantity, shipped, unit price, line discount)
            subtotal = 0
            alloc_lines = []
            for line_no, p in enumerate(chosen, start=1):
                line_id += 1
                qty = qty_values[bisect(qty_cum, rnd() * qty_cum[-1])]
                unit = price_of[p]
                discount = (qty * unit) // 10 if rnd() < 0.05 else 0
                subtotal += qty * unit - discount
                shipped = qty if shipping_now or line_no <= ship_count else 0
                allocated = 0
                picked = shipped
                if allocate and shipped < qty:
                    need = qty - shipped
                    bin_id = bin_of[location][p]
                    if bin_id is None and force:
                        bin_id = self.assign_bin(location, p)
                    if bin_id is not None:
                        available = target[location][p] - reserved[location][p]
                        if force and available < need:
                            target[location][p] += need - available
                            available = need
                        allocated = need if backorder[p] else min(need, max(available, 0))
                        reserved[location][p] += allocated
                    if status == PICKING:
                        picked = randint(0, allocated)
                    elif status == PACKED:
                        picked = allocated
                line_rows.append(
                    {
                        "id": line_id,
                        "order_id": order_id,
                        "line_no": line_no,
                        "product_id": p + 1,
                        "sku": sku_of[p],
                        "name": name_of[p],
                        "external_line_id": None,
                        "quantity": qty,
                        "unit_price_minor": unit,
                        "discount_minor": discount,
                        "allocated": allocated,
                        "picked": picked,
                        "shipped": shipped,
                        "returned": 0,
                    }
                )
                lines.append((line_id, p, qty, shipped, unit, discount))
                if allocated:
                    reservation_id += 1
                    reservation_rows.append(
                        {
                            "id": reservation_id,
                            "order_line_id": line_id,
                            "product_id": p + 1,
                            "location_id": location + 1,
                            "quantity": allocated,
                            "created_at": min(placed + td(minutes=randint(1, 30)), now),
                        }
                    )
                    alloc_lines.append((line_id, p, allocated, picked))
            if status in (OPEN, DRAFT) and rnd() < 0.03:
                line_id += 1
                sku, title, unit = choice(_UNMATCHED_LINES)
                subtotal += unit
                line_rows.append(
                    {
                        "id": line_id,
                        "order_id": order_id,
                        "line_no": len(chosen) + 1,
                        "product_id": None,
                        "sku": sku,
                        "name": title,
                        "external_line_id": None,
                        "quantity": 1,
                        "unit_price_minor": unit,
                        "discount_minor": 0,
                        "allocated": 0,
                        "picked": 0,
                        "shipped": 0,
                        "returned": 0,
                    }
                )

            # money: total = subtotal - discount + shipping + tax
            discount = subtotal // 10 if rnd() < 0.1 else 0
            if pickup:
                shipping = 0
            elif country == "US":
                shipping = 0 if subtotal >= 7500 else choice((595, 695, 895))
            elif location == WH2 or (location is None and country in _EUROPE):
                shipping = 0 if subtotal >= 10000 else 595
            elif country == "CA":
                shipping = 1495
            else:
                shipping = 2995
            rate = _US_TAX.get(cust[8], 700) if country == "US" else _COUNTRY_TAX[country]
            tax = (subtotal - discount) * rate // 10000
            total = subtotal - discount + shipping + tax

            # risk: a billing country unlike the ship-to, or a big first order
            bill_country = country
            risk_level = 0
            risk_flags = None
            if rnd() < 0.015:
                bill_country = choice([c for c in _COUNTRIES if c != country])
                risk_level = 3 if total > 50000 else 2
                risk_flags = "billing country differs from shipping country"
                if total > 50000:
                    risk_flags += "; order value above $500"
            elif total > 40000 and rnd() < 0.05:
                risk_level = 1
                risk_flags = "order value above $400 from a new address"

            on_hold = False
            hold_reason = None
            hold_until = None
            if status == OPEN and (risk_level >= 2 or rnd() < 0.08):
                on_hold = True
                hold_reason = (
                    "Risk review: billing and shipping countries differ"
                    if risk_level >= 2
                    else choice(_HOLD_REASONS)
                )
                if rnd() < 0.3:
                    hold_until = now + td(days=randint(1, 7))

            if status == DRAFT:
                payment, paid, refunded = "pending", 0, 0
            elif status == CANCELLED:
                if rnd() < 0.6:
                    payment, paid, refunded = "pending", 0, 0
                else:
                    payment, paid, refunded = "refunded", total, total
            elif status == OPEN and (hold_reason == "Payment under review" or rnd() < 0.1):
                payment, paid, refunded = "pending", 0, 0
            else:
                payment, paid, refunded = "paid", total, 0

            # shipments
            updated = placed
            order_shipped_at = None
            if status in (SHIPPED, DELIVERED, PARTIAL):
                shipped_lines = [line for line in lines if line[3]]
                split = 0
                if status != PARTIAL and len(shipped_lines) >= 2 and age_d > 4 and rnd() < 0.04:
                    split = randint(1, len(shipped_lines) - 1)
                parcels = (
                    [shipped_lines[:split], shipped_lines[split:]] if split else [shipped_lines]
                )
                domestic = (
                    pickup
                    or (location == WH1 and country == "US")
                    or (location == WH2 and country in _EUROPE)
                )
                latest = now - td(minutes=1)
                all_delivered = True
                shipped_at = placed
                for parcel_no, parcel in enumerate(parcels):
                    # pack within hours of the order (a split's second parcel days later),
                    # squeezed proportionally when the order is too fresh for that
                    start = shipped_at
                    span = (latest - start).total_seconds()
                    to_pack = (
                        rng.uniform(0.3, 20) * 3600 if not parcel_no else rng.uniform(1, 5) * 86400
                    )
                    to_ship = rng.uniform(0.2, 5) * 3600
                    if to_pack + to_ship > span:
                        squeeze = 0.9 * span / (to_pack + to_ship)
                        to_pack *= squeeze
                        to_ship *= squeeze
                    packed_at = start + td(seconds=to_pack)
                    shipped_at = packed_at + td(seconds=to_ship)
                    if pickup:
                        delivered_at = shipped_at
                    else:
                        transit = rng.uniform(1, 5) if domestic else rng.uniform(4, 12)
                        delivered_at = shipped_at + td(days=transit)
                    last = parcel_no == len(parcels) - 1
                    delivered = delivered_at <= now and (status == DELIVERED or not last)
                    if status == PARTIAL:
                        delivered = delivered_at <= now and rnd() < 0.7
                    if not delivered:
                        all_delivered = False
                    shipment_id += 1
                    number = format_number("shipment", shipment_id)
                    contents = sum(weight_of[p] * shipped for _l, p, _q, shipped, _u, _d in parcel)
                    if pickup:
                        carrier = service = tracking = url = None
                        packages = 1
                    else:
                        group = (
                            country
                            if country in ("US", "CA", "GB")
                            else "EU"
                            if country in _EUROPE and location == WH2
                            else "INTL"
                        )
                        names, services, cum = carriers[group]
                        pick = bisect(cum, rnd() * cum[-1])
                        carrier, service = names[pick], services[pick]
                        tracking = _tracking_number(rng, carrier, service, location)
                        url = _TRACKING_URLS[carrier].format(tracking)
                        packages = 2 if contents > 15000 or rnd() < 0.02 else 1
                    shipment_rows.append(
                        {
                            "id": shipment_id,
                            "number": number,
                            "order_id": order_id,
                            "location_id": location + 1,
                            "status": DELIVERED if delivered else SHIPPED,
                            "carrier": carrier,
                            "service": service,
                            "tracking_number": tracking,
                            "tracking_url": url,
                            "weight_g": contents + randint(120, 600),
                            "expected_weight_g": contents + 350,
                            "package_count": packages,
                            "verified_by": choice(_PACKERS[location]),
                            "override_reason": None,
                            "created_at": packed_at - td(minutes=randint(2, 20)),
                            "packed_at": packed_at,
                            "shipped_at": shipped_at,
                            "delivered_at": delivered_at if delivered else None,
                            "voided_at": None,
                        }
                    )
                    for line, p, _qty, shipped, _u, _d in parcel:
                        # a single parcel carries every shipped line: make_shipment_lines
                        # derives those in SQL; only split parcels are listed here
                        if split:
                            shipment_line_id += 1
                            split_line_rows.append(
                                {
                                    "id": shipment_line_id,
                                    "shipment_id": shipment_id,
                                    "order_line_id": line,
                                    "quantity": shipped,
                                    "verified": shipped,
                                }
                            )
                        # the ship move too is derived in SQL later (make_ship_moves)
                        if bin_of[location][p] is None:
                            self.assign_bin(location, p)
                        self.consumed[location][p] += shipped
                    updated = max(updated, delivered_at if delivered else shipped_at)
                if status == DELIVERED and not all_delivered:
                    status = SHIPPED
                if status != PARTIAL:
                    order_shipped_at = shipped_at
                if status == DELIVERED and not pickup and 6 <= age_d <= 120 and rnd() < rma_chance:
                    self.return_candidates.append((order_id, location, updated, total, lines))
            elif status == CANCELLED:
                updated = min(placed + td(hours=rng.uniform(0.5, 48)), now)
            elif status in (PICKING, PACKED):
                updated = min(placed + td(hours=rng.uniform(0.2, 3)), now)
                self.pick_candidates.append((order_id, location, status, updated, alloc_lines))

            order_rows.append(
                {
                    "id": order_id,
                    "number": format_number("order", order_id),
                    "channel_id": None,
                    "external_id": None,
                    "customer_id": cust[0],
                    "parent_order_id": None,
                    "status": status,
                    "on_hold": on_hold,
                    "hold_reason": hold_reason,
                    "hold_until": hold_until,
                    "payment_status": payment,
                    "delivery_method": "pickup" if pickup else "ship",
                    "fulfil_location_id": None if location is None else location + 1,
                    "pickup_location_id": STORE + 1 if pickup else None,
                    "email": cust[2],
                    "phone": cust[3],
                    "ship_name": cust[1],
                    "ship_company": cust[4],
                    "ship_address1": cust[5],
                    "ship_address2": cust[6],
                    "ship_city": cust[7],
                    "ship_region": cust[8],
                    "ship_postal_code": cust[9],
                    "ship_country": country,
                    "bill_country": bill_country,
                    "currency": "USD",
                    "subtotal_minor": subtotal,
                    "discount_minor": discount,
                    "shipping_minor": shipping,
                    "tax_minor": tax,
                    "total_minor": total,
                    "paid_minor": paid,
                    "refunded_minor": refunded,
                    "risk_level": risk_level,
                    "risk_flags": risk_flags,
                    "notes": choice(_NOTES) if rnd() < 0.02 else None,
                    "placed_at": placed,
                    "created_at": placed,
                    "updated_at": updated,
                    "shipped_at": order_shipped_at,
                }
            )
        flush()
        self.make_shipment_lines()

    def make_shipment_lines(self) -> None:
        """Lines of every single-parcel shipment: the order's lines with something shipped.

        Why in SQL: nearly a million rows that follow from rows already written. Split parcels
        were inserted first with ids 1..n; these continue the numbering in shipment order.
        """
        lines = ShipmentLine.__table__
        shipments = Shipment.__table__
        order_lines = OrderLine.__table__
        already = self.rows.get("shipment_line", 0)
        carried = select(lines.c.id).where(lines.c.shipment_id == shipments.c.id).exists()
        query = (
            select(
                (
                    func.row_number().over(order_by=(shipments.c.id, order_lines.c.line_no))
                    + already
                ).label("id"),
                shipments.c.id,
                order_lines.c.id,
                order_lines.c.shipped,
                order_lines.c.shipped,
            )
            .select_from(
                shipments.join(order_lines, order_lines.c.order_id == shipments.c.order_id)
            )
            .where(order_lines.c.shipped > 0, ~carried)
        )
        columns = ["id", "shipment_id", "order_line_id", "quantity", "verified"]
        self.conn.execute(insert(lines).from_select(columns, query))
        # Counted, not taken from rowcount: not every driver reports INSERT … SELECT counts.
        self.rows["shipment_line"] = self.conn.execute(
            select(func.count()).select_from(lines)
        ).scalar()

    def assign_bin(self, location: int, p: int) -> int:
        """Give a product a storage bin at a location where it was not stocked yet."""
        bins = self.storage_bins[location]
        bin_id = bins[self.rng.randrange(len(bins))]
        self.bin_of[location][p] = bin_id
        self.target[location][p] += self.initial_target(location, p)
        return bin_id

    # -- returns ---------------------------------------------------------------------------------

    def rma_count(self) -> int:
        return min(600, max(5, self.n_orders // 400)) if self.n_orders else 0

    def make_returns(self) -> None:
        rng = self.rng
        candidates = self.return_candidates
        count = min(len(candidates), self.rma_count())
        chosen = sorted(rng.sample(candidates, count), key=lambda c: c[0])
        statuses = ("requested", "authorized", "received", "closed", "rejected")
        status_cum = _cumulative((15, 20, 25, 30, 10))
        rma_rows: list[dict[str, Any]] = []
        return_rows: list[dict[str, Any]] = []
        moves: list[dict[str, Any]] = []
        returned_updates: list[dict[str, Any]] = []
        order_updates: list[dict[str, Any]] = []
        plans = []

        def later(start: datetime, low_days: float, high_days: float) -> datetime:
            """A while after `start`, squeezed before now when that would be the future."""
            at = start + timedelta(days=rng.uniform(low_days, high_days))
            if at >= self.now:
                at = start + (self.now - start) * rng.uniform(0.3, 0.9)
            return at

        for order_id, location, delivered_at, paid, lines in chosen:
            plans.append((later(delivered_at, 1, 20), order_id, location, paid, lines))
        plans.sort(key=lambda plan: plan[0])
        line_no = 0
        for rma_index, (created, order_id, location, paid, lines) in enumerate(plans):
            rma_id = rma_index + 1
            number = format_number("rma", rma_id)
            # the first few cycle through every status so small demos show them all
            status = (
                statuses[rma_index]
                if rma_index < len(statuses)
                else statuses[bisect(status_cum, rng.random() * status_cum[-1])]
            )
            authorized = received = closed = None
            if status != "requested":
                authorized = later(created, 0.04, 1.25)
            if status in ("received", "closed"):
                received = later(authorized, 2, 9)
            if status == "closed":
                closed = later(received, 0.2, 3)
            resolution = (
                None
                if status in ("requested", "rejected")
                else rng.choice(("refund", "refund", "refund", "store_credit"))
            )
            picked_lines = rng.sample(lines, min(len(lines), rng.choice((1, 1, 1, 2))))
            refund = 0
            for line_id, p, ordered, shipped, unit, discount in picked_lines:
                quantity = rng.randint(1, shipped)
                reason = rng.choice(tuple(_RETURN_NOTES))
                condition = disposition = None
                bin_id = None
                got = 0
                if received is not None:
                    got = quantity
                    if reason == "damaged":
                        condition = "damaged"
                        disposition = rng.choice(("scrap", "quarantine", "return_to_vendor"))
                    else:
                        condition = rng.choice(("new", "new", "opened"))
                        disposition = "restock" if condition == "new" else "quarantine"
                    if disposition == "restock":
                        bin_id = self.bin_of[location][p]
                        moves.append(
                            self.move(p, None, bin_id, got, "return_restock", number, received)
                        )
                        key = (location, p)
                        self.restocked[key] = self.restocked.get(key, 0) + got
                    elif disposition in ("quarantine", "return_to_vendor"):
                        bin_id = self.quarantine_bin[location]
                        moves.append(
                            self.move(p, None, bin_id, got, "return_quarantine", number, received)
                        )
                        self.quarantined[(bin_id, p)] = self.quarantined.get((bin_id, p), 0) + got
                    returned_updates.append({"b_id": line_id, "b_returned": got})
                    refund += (unit * ordered - discount) // ordered * got
                line_no += 1
                return_rows.append(
                    {
                        "id": line_no,
                        "rma_id": rma_id,
                        "order_line_id": line_id,
                        "quantity": quantity,
                        "received_quantity": got,
                        "reason": reason,
                        "reason_note": rng.choice(_RETURN_NOTES[reason]),
                        "condition": condition,
                        "disposition": disposition,
                        "bin_id": bin_id,
                    }
                )
            refund = min(refund, paid)
            refund_minor = refund if status == "closed" and resolution == "refund" else 0
            credit = refund if status == "closed" and resolution == "store_credit" else 0
            if refund_minor:
                order_updates.append(
                    {
                        "b_id": order_id,
                        "b_refunded": refund_minor,
                        "b_payment": "refunded" if refund_minor == paid else "partially_refunded",
                    }
                )
            rma_rows.append(
                {
                    "id": rma_id,
                    "rma_number": number,
                    "order_id": order_id,
                    "status": status,
                    "resolution": resolution,
                    "refund_minor": refund_minor,
                    "refund_method": "original payment" if refund_minor else None,
                    "store_credit_minor": credit,
                    "exchange_order_id": None,
                    "notes": "Customer sent photos by email." if rng.random() < 0.2 else None,
                    "created_at": created,
                    "authorized_at": authorized,
                    "received_at": received,
                    "closed_at": closed,
                }
            )
        self.insert(ReturnAuthorization.__table__, rma_rows)
        self.insert(ReturnLine.__table__, return_rows)
        self.insert(StockMove.__table__, moves)
        lines_table = OrderLine.__table__
        orders_table = SalesOrder.__table__
        if returned_updates:
            self.conn.execute(
                update(lines_table)
                .where(lines_table.c.id == bindparam("b_id"))
                .values(returned=bindparam("b_returned")),
                returned_updates,
            )
        if order_updates:
            self.conn.execute(
                update(orders_table)
                .where(orders_table.c.id == bindparam("b_id"))
                .values(
                    refunded_minor=bindparam("b_refunded"),
                    payment_status=bindparam("b_payment"),
                ),
                order_updates,
            )

    # -- purchasing --------------------------------------------------------------------------------

    def make_purchase_orders(self) -> None:
        rng = self.rng
        count = max(4, min(40, self.n_products // 2500))
        fixed = ("received", "partially_received", "ordered", "draft")
        status_cum = _cumulative((20, 20, 35, 20, 5))
        statuses = ("received", "partially_received", "ordered", "draft", "cancelled")
        plans = []
        for index in range(count):
            status = (
                fixed[index]
                if index < len(fixed)
                else statuses[bisect(status_cum, rng.random() * status_cum[-1])]
            )
            location = WH1 if rng.random() < 0.75 else WH2
            first = rng.randrange(len(_SUPPLIERS))
            for step in range(len(_SUPPLIERS)):  # a supplier with products stocked there
                supplier = (first + step) % len(_SUPPLIERS)
                stocked = [
                    p
                    for p in self.products_by_supplier[supplier]
                    if self.bin_of[location][p] is not None and not self.archived[p]
                ]
                if stocked:
                    break
            else:
                continue
            rng.shuffle(stocked)
            if status in ("draft", "ordered"):  # what is running low gets reordered
                target = self.target[location]
                stocked.sort(key=lambda p, t=target: t[p] - self.reorder_point[p])
            if status == "draft":
                created = self.ago(rng.uniform(0.1, 5))
            elif status == "ordered":
                created = self.ago(rng.uniform(2, 25))
            else:
                created = self.ago(rng.uniform(10, 60))
            plans.append((created, status, supplier, location, stocked[: rng.randint(3, 25)]))
        plans.sort(key=lambda plan: plan[0])

        po_rows: list[dict[str, Any]] = []
        line_rows: list[dict[str, Any]] = []
        moves: list[dict[str, Any]] = []
        for index, (created, status, supplier, location, chosen) in enumerate(plans):
            po_id = index + 1
            number = format_number("purchase_order", po_id)
            lead = _SUPPLIERS[supplier][3]
            ordered = None if status == "draft" else created + timedelta(hours=rng.uniform(1, 30))
            expected = None if ordered is None else ordered + timedelta(days=lead)
            received_at = None
            if status in ("received", "partially_received"):
                received_at = min(ordered + timedelta(days=lead * rng.uniform(0.8, 1.2)), self.now)
            for line_index, p in enumerate(chosen):
                quantity = max(self.reorder_qty[p], 6)
                if status == "received":
                    got = quantity
                elif status == "partially_received":
                    # the first line arrived in full, the last not at all, the rest in between
                    if line_index == 0:
                        got = quantity
                    elif line_index == len(chosen) - 1:
                        got = 0
                    else:
                        got = rng.choice((0, quantity, quantity // 2))
                else:
                    got = 0
                if got:
                    bin_id = self.bin_of[location][p]
                    moves.append(self.move(p, None, bin_id, got, "receive", number, received_at))
                    self.po_received[location][p] += got
                    # the receipt is part of what is on the shelf now
                    if self.target[location][p] < self.po_received[location][p]:
                        self.target[location][p] = self.po_received[location][p]
                line_rows.append(
                    {
                        "id": len(line_rows) + 1,
                        "purchase_order_id": po_id,
                        "product_id": p + 1,
                        "quantity": quantity,
                        "received_quantity": got,
                        "unit_cost_minor": self.cost[p],
                    }
                )
            currency = _SUPPLIERS[supplier][2]
            po_rows.append(
                {
                    "id": po_id,
                    "number": number,
                    "supplier_id": supplier + 1,
                    "location_id": location + 1,
                    "status": status,
                    "currency": currency,
                    "notes": "Confirmed by phone." if rng.random() < 0.3 else None,
                    "expected_at": expected,
                    "created_at": created,
                    "ordered_at": ordered,
                    "received_at": received_at if status == "received" else None,
                }
            )
        self.insert(PurchaseOrder.__table__, po_rows)
        self.insert(PurchaseOrderLine.__table__, line_rows)
        self.insert(StockMove.__table__, moves)

    # -- stock -----------------------------------------------------------------------------------

    def make_stock(self) -> None:
        """Opening receipts sized so stock never went negative, then levels = ledger sums."""
        opening_at = self.ago(372)
        moves: list[dict[str, Any]] = []
        levels: list[dict[str, Any]] = []
        for location in range(len(_LOCATIONS)):
            bins = self.bin_of[location]
            target = self.target[location]
            consumed = self.consumed[location]
            received = self.po_received[location]
            for p in range(self.n_products):
                bin_id = bins[p]
                if bin_id is None:
                    continue
                # opening covers every shipment since, plus what should be left, minus later
                # receipts (target >= receipts, so the balance never dips below zero)
                opening = consumed[p] + target[p] - received[p]
                restocked = self.restocked.get((location, p), 0)
                if opening:
                    moves.append(
                        self.move(p, None, bin_id, opening, "receive", "OPENING", opening_at,
                                  "Opening stock")
                    )  # fmt: skip
                if opening or received[p] or restocked:
                    on_hand = opening + received[p] + restocked - consumed[p]
                    levels.append({"product_id": p + 1, "bin_id": bin_id, "on_hand": on_hand})
                if len(moves) >= INSERT_CHUNK:
                    self.insert(StockMove.__table__, moves)
                    moves.clear()
            self.report("Booking stock", 0.90 + 0.02 * (location + 1))
        for (bin_id, p), quantity in self.quarantined.items():
            levels.append({"product_id": p + 1, "bin_id": bin_id, "on_hand": quantity})
        self.insert(StockMove.__table__, moves)
        self.insert(StockLevel.__table__, levels)
        self.make_ship_moves()

    def make_ship_moves(self) -> None:
        """One 'ship' move per shipment line, from the product's storage bin at the shipment's
        location, dated when the parcel left and referencing the shipment number.

        Why in SQL: these are a pure function of rows already written (a product has exactly one
        storage bin per location, and so one level row there), and INSERT ... SELECT spares a
        million Python dicts and their parameter processing.
        """
        lines = ShipmentLine.__table__
        shipments = Shipment.__table__
        order_lines = OrderLine.__table__
        levels = StockLevel.__table__
        bins = Bin.__table__
        moves = StockMove.__table__
        base = self.next_move_id - 1
        query = (
            select(
                (lines.c.id + base).label("id"),
                order_lines.c.product_id,
                levels.c.bin_id,
                null().label("to_bin_id"),
                lines.c.quantity,
                literal("ship", String).label("reason"),
                shipments.c.number,
                null().label("note"),
                null().label("reverses_move_id"),
                literal(ACTOR, String).label("actor"),
                shipments.c.shipped_at,
            )
            .select_from(
                lines.join(shipments, shipments.c.id == lines.c.shipment_id)
                .join(order_lines, order_lines.c.id == lines.c.order_line_id)
                .join(levels, levels.c.product_id == order_lines.c.product_id)
                .join(
                    bins,
                    and_(
                        bins.c.id == levels.c.bin_id,
                        bins.c.location_id == shipments.c.location_id,
                        bins.c.kind == "storage",
                    ),
                )
            )
            .order_by(lines.c.id)
        )
        columns = ["id", "product_id", "from_bin_id", "to_bin_id", "quantity", "reason"]
        columns += ["reference", "note", "reverses_move_id", "actor", "at"]
        result = self.conn.execute(insert(moves).from_select(columns, query))
        expected = self.rows.get("shipment_line", 0)
        inserted = result.rowcount
        if inserted is None or inserted < 0:  # not every driver reports INSERT … SELECT counts
            inserted = self.conn.execute(
                select(func.count()).select_from(moves).where(moves.c.reason == "ship")
            ).scalar()
        if inserted != expected:  # a bug here would break the ledger: fail loudly
            raise RuntimeError(f"demo: {inserted} ship moves for {expected} lines")
        self.next_move_id += expected
        self.rows["stock_move"] = self.rows.get("stock_move", 0) + expected

    # -- pick lists ------------------------------------------------------------------------------

    def make_pick_lists(self) -> None:
        rng = self.rng
        pick_lists: list[dict[str, Any]] = []
        members: list[dict[str, Any]] = []
        lines: list[dict[str, Any]] = []
        batches: dict[tuple[int, str], list[tuple[Any, ...]]] = {}
        for candidate in self.pick_candidates:
            if candidate[4]:
                batches.setdefault((candidate[1], candidate[2]), []).append(candidate)
        groups = []
        for (location, status), orders in batches.items():
            for start in range(0, len(orders), 12):
                groups.append((location, status, orders[start : start + 12]))
        groups.sort(key=lambda group: max(order[3] for order in group[2]))
        for index, (location, status, orders) in enumerate(groups):
            pick_list_id = index + 1
            created = max(order[3] for order in orders)
            done = status == PACKED
            pick_lists.append(
                {
                    "id": pick_list_id,
                    "number": format_number("pick_list", pick_list_id),
                    "status": "completed" if done else "in_progress",
                    "location_id": location + 1,
                    "created_by": rng.choice(_PACKERS[location]),
                    "created_at": created,
                    "completed_at": min(created + timedelta(minutes=25), self.now)
                    if done
                    else None,
                }
            )
            for slot, (order_id, _loc, _status, _at, alloc_lines) in enumerate(orders, start=1):
                members.append({"pick_list_id": pick_list_id, "order_id": order_id, "slot": slot})
                for line_id, p, allocated, picked in alloc_lines:
                    lines.append(
                        {
                            "id": len(lines) + 1,
                            "pick_list_id": pick_list_id,
                            "order_line_id": line_id,
                            "product_id": p + 1,
                            "bin_id": self.bin_of[location][p],
                            "quantity": allocated,
                            "picked": picked,
                            "short": 0,
                        }
                    )
        self.insert(PickList.__table__, pick_lists)
        self.insert(PickListOrder.__table__, members)
        self.insert(PickListLine.__table__, lines)

    # -- settings, sequences, audit ---------------------------------------------------------------

    def finish(self) -> None:
        session = self.session
        counters = {
            "order": self.n_orders,
            "shipment": self.rows.get("shipment", 0),
            "pick_list": self.rows.get("pick_list", 0),
            "rma": self.rows.get("return_authorization", 0),
            "purchase_order": self.rows.get("purchase_order", 0),
        }
        for kind, used in counters.items():
            set_next_value(session, kind, used + 1)
        update_settings(
            session,
            {
                "business.name": BUSINESS_NAME,
                "business.address": BUSINESS_ADDRESS,
                "business.email": "orders@nordlicht.example",
                "business.phone": "+1 503-555-0142",
                "currency": "USD",
                "shop.setup_done": True,
            },
            actor=ACTOR,
        )
        details = {
            "seed": self.seed,
            "seconds": round(time.perf_counter() - self.started, 2),
            **{table: count for table, count in sorted(self.rows.items())},
        }
        record_event(
            session,
            actor=ACTOR,
            action="demo.generate",
            entity_type="shop",
            entity_id=None,
            summary=(
                f"Demo shop generated (seed {self.seed}): {self.n_products:,} products, "
                f"{self.n_orders:,} orders, {self.rows.get('order_line', 0):,} order lines, "
                f"{self.n_customers:,} customers, {self.rows.get('shipment', 0):,} shipments"
            ),
            details=details,
        )
        session.flush()


def _aisle_name(index: int) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O: they read as 1 and 0 on labels
    if index < len(letters):
        return letters[index]
    return letters[index // len(letters) - 1] + letters[index % len(letters)]
