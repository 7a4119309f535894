"""What a demo service of each leaf category looks like: names, texts, capacity, hours.

One ``Kind`` per leaf of the seeded taxonomy (``services/reference_data.py``); the seed
checks that every leaf has one. Capacity units fit the kind: beds for shelters, places for
programmes, staff FTE for professional social work, hours a week for desks.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from services.models import CapacityUnit, FundingProgramme

# Evocative names used by Italian third-sector bodies and their projects.
WORDS = (
    "Il Ponte", "La Tenda", "Il Faro", "L'Approdo", "Nuovi Orizzonti", "Il Sentiero",
    "La Rondine", "Arcobaleno", "Il Melograno", "La Ginestra", "Il Girasole", "Casa Aperta",
    "Il Cammino", "La Bussola", "Oltre il Muro", "Terra Nuova", "La Locanda", "Il Mosaico",
    "Porte Aperte", "Semi di Pace", "La Quercia", "L'Albero", "Sottosopra", "Il Cerchio",
    "Controvento", "Itaca", "Eureka", "Il Granello", "La Sorgente", "Kairos", "Koinè",
    "Agorà", "Il Nido", "Girotondo", "Punto e Virgola", "La Lanterna", "Il Timone",
    "Altri Sguardi", "Il Pozzo", "La Casa di Marta", "Il Seme", "Filo d'Erba", "Mille Colori",
    "La Strada", "Il Portico", "L'Incontro", "La Carovana", "Il Mandorlo", "Nuova Luce",
    "Il Veliero", "La Zattera", "Il Crocevia", "Abitare Insieme", "Passo dopo Passo",
    "Il Volo", "Spazio Libero", "La Fenice", "Il Quadrifoglio", "Raggio di Sole",
    "Fuori Rotta", "L'Aquilone", "La Collina", "Il Ciliegio", "Prossimità", "Comunità Viva",
)  # fmt: skip
SAINTS = (
    "San Martino", "Santa Chiara", "San Francesco", "San Giuseppe", "Santa Rita",
    "San Camillo", "San Lorenzo", "Santa Lucia", "Sant'Antonio", "San Benedetto",
    "San Vincenzo", "Santa Caterina", "San Filippo Neri", "Santa Francesca Romana",
)  # fmt: skip
WOMEN_NAMES = (
    "Ipazia", "Artemisia", "Minerva", "Demetra", "Astrea", "Le Onde", "Frida", "Rosa Parks",
    "Alda Merini", "Mimosa", "Le Girandole", "Sorelle", "Lilith", "Maddalena", "Olympe",
)  # fmt: skip

_WEEKDAYS = (1, 2, 3, 4, 5)
_ALL_DAYS = (1, 2, 3, 4, 5, 6, 7)

# Weekly patterns: (weekdays, opens, closes); closes before opens runs past midnight.
HOURS: dict[str, tuple[tuple[tuple[int, ...], str, str], ...]] = {
    "overnight": ((_ALL_DAYS, "20:00", "08:00"),),
    "residential": (),
    "day_centre": (((1, 2, 3, 4, 5, 6), "09:00", "17:00"),),
    "canteen": ((_ALL_DAYS, "12:00", "14:00"), ((1, 2, 3, 4, 5, 6), "19:00", "20:30")),
    "showers": (((1, 2, 3, 4, 5, 6), "08:30", "12:30"),),
    "street": (((1, 3, 5), "21:00", "01:00"), ((2, 4), "20:30", "00:30")),
    "clinic": ((_WEEKDAYS, "09:00", "13:00"), ((2, 4), "15:00", "18:00")),
    "emergency": ((_ALL_DAYS, "08:00", "20:00"), (_ALL_DAYS, "20:00", "08:00")),
    "office": ((_WEEKDAYS, "09:00", "13:00"), ((2, 4), "14:30", "17:00")),
    "desk": (((1, 3, 5), "09:30", "12:30"), ((2, 4), "15:00", "18:00")),
    "virtual": ((_WEEKDAYS, "09:00", "18:00"),),
    "courses": (((1, 3), "18:00", "20:00"), ((6,), "10:00", "12:00")),
    "farm": ((_WEEKDAYS, "08:00", "14:00"),),
    "home_care": (((1, 2, 3, 4, 5, 6), "07:00", "20:00"),),
    "cav": ((_WEEKDAYS, "09:00", "18:00"), ((6,), "09:00", "13:00")),
    "educational": ((_WEEKDAYS, "14:30", "18:30"),),
    "socialisation": ((_WEEKDAYS, "15:00", "19:00"),),
}

PUBLIC_CONTACT_1522 = (
    "Numero antiviolenza e stalking 1522 (gratuito, attivo 24 ore su 24), "
    "oppure il centro antiviolenza più vicino"
)


@dataclass(frozen=True)
class Kind:
    """A kind of service: one per leaf category of the taxonomy."""

    code: str
    names: tuple[str, ...]
    description: str
    eligibility: str
    application: str
    site_label: str
    hours: str
    unit: str | None = None
    total: tuple[float, float] = (0, 0)
    tracks_available: bool = True
    min_age: int | None = None
    max_age: int | None = None
    languages: tuple[str, ...] = ()
    funding: tuple[tuple[str, float], ...] = ()
    pnrr_measure: str = ""
    confidential: bool = False
    extra_categories: tuple[str, ...] = field(default=())

    def capacity(self, rng: random.Random) -> tuple[float, float | None] | None:
        """(total, free now) for a site, or None when the kind has no capacity figure."""
        if self.unit is None:
            return None
        low, high = self.total
        if self.unit in (CapacityUnit.BEDS, CapacityUnit.PLACES):
            total = rng.randint(int(low), int(high))
            if not self.tracks_available:
                return float(total), None
            # Most low-threshold and residential services run nearly full.
            busy = rng.random()
            free = 0 if busy < 0.35 else rng.randint(0, max(0, total // (3 if busy < 0.8 else 1)))
            return float(total), float(min(free, total))
        step = 0.5 if self.unit == CapacityUnit.STAFF_FTE else 1
        total = round(rng.uniform(low, high) / step) * step
        return float(max(step, total)), None


_F = FundingProgramme

KINDS: tuple[Kind, ...] = (
    # ---- Low threshold (PON Metro 2014-2020, action 3.2.2) ----
    Kind(
        "low-threshold.night-shelter",
        ("Centro di accoglienza notturna {word}", "Dormitorio {saint}",
         "Accoglienza notturna «{word}»", "Casa di ospitalità notturna {place}"),
        "Accoglienza notturna per persone senza dimora: posto letto, cena, colazione, "
        "deposito bagagli e orientamento ai servizi del territorio.",
        "Persone maggiorenni senza dimora. Accesso prioritario per chi è segnalato dalla "
        "Sala operativa sociale o dalle unità di strada.",
        "Su invio del servizio sociale o della Sala operativa sociale; accesso diretto nei "
        "posti riservati alla bassa soglia, dalle 19:30.",
        "Centro di accoglienza notturna", "overnight",
        CapacityUnit.BEDS, (12, 90), min_age=18, languages=("en", "fr", "ar", "ro"),
        funding=((_F.PON_METRO, 3), (_F.PN_METRO_PLUS, 3), (_F.PNRR, 1), (_F.MUNICIPAL, 3),
                 (_F.PRIVATE, 1)),
        pnrr_measure="PNRR M5C2 – Investimento 1.3.2 Stazioni di posta",
    ),
    Kind(
        "low-threshold.day-centre",
        ("Centro diurno {word}", "Centro diurno per persone senza dimora «{word}»",
         "Polo diurno {saint}"),
        "Centro diurno a bassa soglia: spazio di sosta, colazione, lavanderia, attività di "
        "gruppo, segretariato e accompagnamento ai servizi.",
        "Persone senza dimora o in grave marginalità, senza necessità di appuntamento.",
        "Accesso diretto negli orari di apertura.",
        "Centro diurno", "day_centre",
        CapacityUnit.PLACES, (25, 120), min_age=18, languages=("en", "fr", "ar", "ro", "uk"),
        funding=((_F.PON_METRO, 3), (_F.PN_METRO_PLUS, 3), (_F.POVERTY_FUND, 2),
                 (_F.PRIVATE, 1)),
        pnrr_measure="PNRR M5C2 – Investimento 1.3.2 Stazioni di posta",
        extra_categories=("low-threshold.showers",),
    ),
    Kind(
        "low-threshold.canteen",
        ("Mensa sociale {saint}", "Mensa solidale {word}", "Mensa {place}"),
        "Distribuzione di pasti caldi a pranzo e a cena, anche da asporto, con attenzione "
        "alle diete per motivi di salute o religiosi.",
        "Persone in condizione di povertà o senza dimora; tessera rilasciata al primo "
        "accesso.",
        "Accesso diretto con tessera; il primo accesso con un documento o su invio di un "
        "servizio.",
        "Mensa", "canteen",
        CapacityUnit.PLACES, (40, 300), languages=("en", "fr", "ar"),
        funding=((_F.PRIVATE, 4), (_F.MUNICIPAL, 2), (_F.POVERTY_FUND, 1), (_F.OTHER, 1)),
    ),
    Kind(
        "low-threshold.showers",
        ("Docce e servizi igienici {word}", "Servizio docce {saint}",
         "Stazione igiene {place}"),
        "Docce, servizi igienici, cambio di biancheria e kit per l'igiene personale.",
        "Persone senza dimora o senza accesso a servizi igienici.",
        "Accesso diretto su turni, prenotando il turno all'ingresso.",
        "Servizio docce", "showers",
        CapacityUnit.PLACES, (10, 60), languages=("en", "fr"),
        funding=((_F.PON_METRO, 2), (_F.PN_METRO_PLUS, 2), (_F.MUNICIPAL, 2), (_F.PRIVATE, 2)),
    ),
    Kind(
        "low-threshold.street-unit",
        ("Unità di strada {word}", "Unità mobile notturna {place}", "Unità di strada {saint}"),
        "Équipe mobile di operatori e volontari che incontra le persone in strada: bevande "
        "calde, coperte, ascolto, riduzione del danno e aggancio ai servizi.",
        "Persone che vivono in strada o in insediamenti informali.",
        "Segnalazioni al numero della Sala operativa sociale; le uscite seguono un "
        "calendario di percorsi.",
        "Base operativa unità di strada", "street",
        CapacityUnit.STAFF_FTE, (2, 8), tracks_available=False,
        languages=("en", "fr", "ar", "ro"),
        funding=((_F.PON_METRO, 3), (_F.PN_METRO_PLUS, 3), (_F.MUNICIPAL, 2)),
    ),
    Kind(
        "low-threshold.first-health-care",
        ("Ambulatorio solidale {word}", "Presidio sanitario di prima assistenza {saint}",
         "Ambulatorio di strada {place}"),
        "Ambulatorio medico e infermieristico di prima assistenza, anche per persone senza "
        "iscrizione al Servizio sanitario nazionale (codice STP/ENI).",
        "Persone senza medico di base, senza dimora o senza documenti.",
        "Accesso diretto negli orari di ambulatorio; per le visite specialistiche su "
        "prenotazione.",
        "Ambulatorio", "clinic",
        CapacityUnit.HOURS_PER_WEEK, (10, 40), languages=("en", "fr", "ar", "es"),
        funding=((_F.PRIVATE, 3), (_F.REGIONAL, 2), (_F.PN_METRO_PLUS, 1), (_F.OTHER, 1)),
    ),
    Kind(
        "low-threshold.psychological-support",
        ("Sportello di ascolto psicologico {word}", "Supporto psicologico «{word}»",
         "Servizio di psicologia di strada {place}"),
        "Colloqui psicologici individuali e di gruppo per persone in grave marginalità, "
        "con invio ai servizi di salute mentale quando serve.",
        "Persone seguite dai servizi a bassa soglia del territorio.",
        "Su appuntamento, anche su invio degli operatori dei servizi a bassa soglia.",
        "Sportello di ascolto", "clinic",
        CapacityUnit.HOURS_PER_WEEK, (6, 30), languages=("en", "fr"),
        funding=((_F.PN_METRO_PLUS, 2), (_F.PNRR, 1), (_F.PRIVATE, 2), (_F.REGIONAL, 1)),
    ),
    Kind(
        "low-threshold.emergency-social-service",
        ("Pronto intervento sociale {place}", "Sala operativa sociale {place}",
         "Servizio di pronto intervento sociale «{word}»"),
        "Servizio attivo 24 ore su 24 per le emergenze sociali: persone senza dimora in "
        "pericolo, minori soli, vittime di violenza, anziani soli. Attiva l'accoglienza in "
        "emergenza e la presa in carico.",
        "Chiunque si trovi in una situazione di emergenza sociale nel territorio.",
        "Numero verde attivo giorno e notte; segnalazioni anche da forze dell'ordine e "
        "pronto soccorso.",
        "Centrale operativa", "emergency",
        CapacityUnit.STAFF_FTE, (3, 15), tracks_available=False,
        languages=("en", "fr", "ar", "ro"),
        funding=((_F.POVERTY_FUND, 3), (_F.FNPS, 2), (_F.PN_METRO_PLUS, 2), (_F.MUNICIPAL, 2)),
    ),
    # ---- Housing ----
    Kind(
        "housing.housing-first",
        ("Housing First {place}", "Progetto Housing First «{word}»", "Casa Prima {place}"),
        "Inserimento diretto in appartamenti autonomi di persone senza dimora croniche, con "
        "un'équipe che le accompagna a domicilio senza condizioni di accesso.",
        "Persone senza dimora da lungo tempo, spesso con problemi di salute o dipendenze.",
        "Su invio dei servizi sociali o dei servizi a bassa soglia; valutazione dell'équipe.",
        "Sede équipe Housing First", "office",
        CapacityUnit.PLACES, (4, 30), min_age=18, languages=("en",),
        funding=((_F.PNRR, 4), (_F.PON_METRO, 2), (_F.PN_METRO_PLUS, 2), (_F.PRIVATE, 1)),
        pnrr_measure="PNRR M5C2 – Investimento 1.3.1 Housing First",
    ),
    Kind(
        "housing.housing-led",
        ("Housing Led {place}", "Percorsi di autonomia abitativa «{word}»",
         "Abitare accompagnato {place}"),
        "Accompagnamento all'abitare per persone e famiglie in uscita dall'accoglienza: "
        "ricerca della casa, contributi per l'affitto, educativa domiciliare.",
        "Persone e nuclei familiari in carico ai servizi sociali con un reddito minimo.",
        "Su invio del servizio sociale professionale.",
        "Sportello abitare", "office",
        CapacityUnit.PLACES, (8, 60), languages=("en", "fr", "ar"),
        funding=((_F.PON_METRO, 2), (_F.PN_METRO_PLUS, 3), (_F.POVERTY_FUND, 2)),
    ),
    Kind(
        "housing.social-housing-agency",
        ("Agenzia sociale per la casa {place}", "Agenzia per l'abitare «{word}»"),
        "Intermediazione tra proprietari e inquilini in difficoltà: garanzie sul canone, "
        "contratti a canone concordato, fondo di garanzia contro la morosità.",
        "Nuclei con reddito ISEE entro i limiti fissati dal Comune e proprietari disposti a "
        "locare a canone concordato.",
        "Su appuntamento allo sportello o tramite il modulo online del Comune.",
        "Sportello Agenzia per la casa", "desk",
        CapacityUnit.HOURS_PER_WEEK, (8, 30),
        funding=((_F.PON_METRO, 2), (_F.MUNICIPAL, 3), (_F.REGIONAL, 2)),
    ),
    Kind(
        "housing.public-housing",
        ("Edilizia residenziale pubblica – Comune di {place}", "Sportello ERP {place}"),
        "Informazioni sui bandi per l'assegnazione degli alloggi di edilizia residenziale "
        "pubblica, graduatorie, cambi alloggio e assegnazioni in emergenza abitativa.",
        "Residenti o lavoratori nel Comune con i requisiti di reddito del bando regionale.",
        "Domanda sul bando aperto; assegnazioni d'urgenza su proposta del servizio sociale.",
        "Ufficio casa", "office",
        CapacityUnit.HOURS_PER_WEEK, (10, 36),
        funding=((_F.REGIONAL, 3), (_F.MUNICIPAL, 3)),
    ),
    Kind(
        "housing.temporary",
        ("Alloggi temporanei {place}", "Residenza temporanea «{word}»",
         "Casa di transizione {saint}"),
        "Alloggi per un periodo limitato (di norma fino a 18 mesi) per persone e famiglie "
        "sfrattate o in uscita da strutture, con un progetto di autonomia.",
        "Nuclei in emergenza abitativa seguiti dal servizio sociale.",
        "Su invio del servizio sociale, con un progetto individualizzato firmato.",
        "Residenza temporanea", "office",
        CapacityUnit.BEDS, (6, 40), languages=("en", "fr", "ar"),
        funding=((_F.PON_METRO, 2), (_F.PNRR, 2), (_F.MUNICIPAL, 2), (_F.PN_METRO_PLUS, 2)),
        pnrr_measure="PNRR M5C2 – Investimento 1.3.1 Housing temporaneo",
    ),
    Kind(
        "housing.camp-exit",
        ("Percorsi abitativi per famiglie rom, sinti e caminanti – {place}",
         "Progetto «{word}» per il superamento dei campi"),
        "Accompagnamento delle famiglie che lasciano i campi verso soluzioni abitative "
        "ordinarie: mediazione, scolarizzazione dei minori, inserimento lavorativo.",
        "Famiglie residenti negli insediamenti del territorio individuate dal piano "
        "comunale di superamento dei campi.",
        "Su proposta del servizio sociale e del gruppo di lavoro del piano comunale.",
        "Sportello di mediazione abitativa", "office",
        CapacityUnit.PLACES, (5, 40), languages=("rom", "ro"),
        funding=((_F.PON_METRO, 4), (_F.PN_METRO_PLUS, 3), (_F.MUNICIPAL, 1)),
    ),
    Kind(
        "housing.recovered-homes",
        ("Recupero alloggi sfitti {place}", "Case in rete «{word}»"),
        "Recupero di alloggi sfitti pubblici e privati, ristrutturati e messi a disposizione "
        "a canone sociale per progetti di inclusione abitativa.",
        "Persone e nuclei segnalati dai servizi sociali; proprietari di alloggi sfitti.",
        "Proprietari e servizi invianti contattano lo sportello.",
        "Sportello recupero alloggi", "desk",
        CapacityUnit.PLACES, (3, 25),
        funding=((_F.PON_METRO, 2), (_F.PNRR, 2), (_F.REGIONAL, 1), (_F.PRIVATE, 2)),
        pnrr_measure="PNRR M5C2 – Investimento 2.3 Programma innovativo per la qualità "
        "dell'abitare",
    ),
    Kind(
        "housing.confiscated-property",
        ("Beni confiscati «{word}»", "Bene confiscato riutilizzato {place}",
         "Casa della legalità {place}"),
        "Immobili confiscati alla criminalità organizzata e restituiti alla comunità come "
        "alloggi sociali o sedi di servizi, in gestione a enti del Terzo settore.",
        "Persone e nuclei inseriti nei progetti di inclusione abitativa del Comune.",
        "Su invio del servizio sociale; bandi di assegnazione ai sensi del Codice antimafia.",
        "Bene confiscato", "office",
        CapacityUnit.PLACES, (2, 20),
        funding=((_F.PON_METRO, 2), (_F.REGIONAL, 2), (_F.MUNICIPAL, 2), (_F.OTHER, 1)),
    ),
    # ---- Gender-based violence ----
    Kind(
        "gender-violence.anti-violence-centre",
        ("Centro antiviolenza {women}", "Centro antiviolenza «{women}» – {place}",
         "CAV {women}"),
        "Ascolto, accoglienza e consulenza legale e psicologica gratuita e riservata per le "
        "donne che subiscono violenza, e per i loro figli; percorsi di uscita dalla violenza.",
        "Donne, anche con figli minori, che subiscono o hanno subito violenza.",
        "Contatto telefonico o accesso diretto; attivo anche tramite il numero 1522.",
        "Centro antiviolenza", "cav",
        CapacityUnit.HOURS_PER_WEEK, (20, 50), languages=("en", "fr", "es", "ar", "ro"),
        funding=((_F.REGIONAL, 4), (_F.MUNICIPAL, 2), (_F.PRIVATE, 1)),
    ),
    Kind(
        "gender-violence.shelter",
        ("Casa rifugio {women}", "Casa rifugio «{women}»"),
        "Casa a indirizzo segreto che accoglie donne e figli in pericolo, con operatrici "
        "presenti, consulenza legale e psicologica e progetto di uscita dalla violenza.",
        "Donne in pericolo e i loro figli minori, su valutazione del centro antiviolenza.",
        "Tramite un centro antiviolenza, il 1522, le forze dell'ordine o il pronto "
        "intervento sociale.",
        "Struttura protetta", "residential",
        # Family places, as the Istanbul Convention's standard counts them (not beds).
        CapacityUnit.PLACES, (2, 8), languages=("en", "fr", "es", "ar"),
        funding=((_F.REGIONAL, 4), (_F.MUNICIPAL, 2), (_F.PN_METRO_PLUS, 1)),
        confidential=True,
    ),
    Kind(
        "gender-violence.semi-autonomy",
        ("Casa di semi-autonomia {women}", "Appartamenti di semi-autonomia «{women}»"),
        "Appartamenti per donne e figli in uscita dalla casa rifugio, verso l'autonomia "
        "abitativa e lavorativa, con il sostegno delle operatrici.",
        "Donne in uscita da un percorso di protezione, con un progetto di autonomia.",
        "Su proposta del centro antiviolenza che segue la donna.",
        "Struttura protetta", "residential",
        CapacityUnit.BEDS, (3, 10), languages=("en", "fr", "es"),
        funding=((_F.REGIONAL, 4), (_F.PRIVATE, 1), (_F.PN_METRO_PLUS, 1)),
        confidential=True,
    ),
    Kind(
        "gender-violence.rape-crisis-centre",
        ("Centro antistupro {women}", "Centro di ascolto per la violenza sessuale {place}"),
        "Assistenza immediata a chi ha subito violenza sessuale: accompagnamento sanitario e "
        "legale, supporto psicologico, raccolta delle prove con il pronto soccorso.",
        "Donne e uomini che hanno subito violenza sessuale, anche minorenni con un adulto "
        "di riferimento.",
        "Reperibilità telefonica 24 ore su 24 e accesso diretto.",
        "Centro antistupro", "cav",
        CapacityUnit.HOURS_PER_WEEK, (20, 60), languages=("en", "fr", "es"),
        funding=((_F.REGIONAL, 3), (_F.PRIVATE, 1), (_F.MUNICIPAL, 1)),
    ),
    # ---- Inclusion ----
    Kind(
        "inclusion.job-placement",
        ("Inserimento lavorativo «{word}»", "Tirocini di inclusione {place}",
         "Sportello lavoro {word}"),
        "Orientamento, bilancio di competenze, tirocini di inclusione sociale e borse "
        "lavoro presso aziende del territorio.",
        "Persone in carico ai servizi sociali, beneficiari dell'Assegno di inclusione, "
        "persone con disabilità (L. 68/1999).",
        "Su invio del servizio sociale o del centro per l'impiego.",
        "Sportello lavoro", "office",
        CapacityUnit.PLACES, (10, 80), min_age=16, max_age=67, languages=("en", "fr"),
        funding=((_F.POVERTY_FUND, 2), (_F.PN_METRO_PLUS, 2), (_F.REGIONAL, 2), (_F.PRIVATE, 1)),
    ),
    Kind(
        "inclusion.social-farm",
        ("Fattoria sociale {word}", "Agricoltura sociale «{word}»", "Orti sociali {place}"),
        "Attività agricole e di trasformazione come percorso di inclusione lavorativa e "
        "terapeutica, in rete con i servizi sociosanitari (L. 141/2015).",
        "Persone con disabilità, in uscita da dipendenze o in carico ai servizi.",
        "Su invio dei servizi sociali o sanitari; colloquio conoscitivo.",
        "Fattoria sociale", "farm",
        CapacityUnit.PLACES, (6, 30), min_age=16,
        funding=((_F.REGIONAL, 2), (_F.PRIVATE, 2), (_F.OTHER, 1)),
    ),
    Kind(
        "inclusion.cultural-mediation",
        ("Mediazione culturale {place}", "Servizio di mediazione interculturale «{word}»"),
        "Mediatori e mediatrici culturali nei servizi sociali, sanitari e scolastici; "
        "accompagnamento delle persone migranti nell'accesso ai diritti.",
        "Persone di origine straniera e i servizi che le seguono.",
        "Su richiesta dei servizi o su appuntamento allo sportello.",
        "Sportello di mediazione", "desk",
        CapacityUnit.HOURS_PER_WEEK, (10, 60),
        languages=("en", "fr", "ar", "ro", "sq", "zh", "bn", "ur", "ti", "so", "wo", "uk"),
        funding=((_F.PN_METRO_PLUS, 2), (_F.PON_METRO, 2), (_F.OTHER, 2), (_F.MUNICIPAL, 1)),
    ),
    Kind(
        "inclusion.italian-courses",
        ("Scuola di italiano {word}", "Corsi di italiano L2 «{word}»",
         "Italiano per tutti – {place}"),
        "Corsi gratuiti di lingua italiana per adulti stranieri, dall'alfabetizzazione al "
        "livello B1, con preparazione al test per il permesso di lungo periodo.",
        "Persone straniere maggiorenni, con o senza permesso di soggiorno.",
        "Iscrizione nei giorni di accoglienza con test di livello.",
        "Scuola di italiano", "courses",
        CapacityUnit.PLACES, (15, 120), min_age=16,
        languages=("en", "fr", "ar", "es", "bn", "zh"),
        funding=((_F.PRIVATE, 3), (_F.OTHER, 2), (_F.REGIONAL, 1)),
    ),
    Kind(
        "inclusion.legal-aid",
        ("Sportello legale {word}", "Assistenza legale e documenti «{word}»",
         "Sportello diritti {place}"),
        "Consulenza legale gratuita: permessi di soggiorno, residenza anagrafica, "
        "protezione internazionale, diritto del lavoro e della casa.",
        "Persone senza mezzi per un avvocato; persone straniere e senza dimora.",
        "Su appuntamento telefonico o accesso diretto negli orari di sportello.",
        "Sportello legale", "desk",
        CapacityUnit.HOURS_PER_WEEK, (4, 24), languages=("en", "fr", "ar", "es"),
        funding=((_F.PRIVATE, 3), (_F.PN_METRO_PLUS, 1), (_F.OTHER, 2)),
    ),
    # ---- Families and children ----
    Kind(
        "families.pippi",
        ("Programma P.I.P.P.I. – Ambito di {place}", "P.I.P.P.I. {place}"),
        "Programma di intervento per la prevenzione dell'istituzionalizzazione: "
        "accompagnamento intensivo delle famiglie vulnerabili con figli da 0 a 11 anni.",
        "Famiglie con bambini da 0 a 11 anni seguite dal servizio sociale.",
        "Su proposta del servizio sociale e dell'équipe multidisciplinare.",
        "Servizio per le famiglie", "office",
        CapacityUnit.PLACES, (10, 40), max_age=11,
        funding=((_F.PNRR, 3), (_F.FNPS, 2), (_F.POVERTY_FUND, 1)),
        pnrr_measure="PNRR M5C2 – Investimento 1.1.1 Sostegno alle capacità genitoriali",
    ),
    Kind(
        "families.educational",
        ("Centro educativo {word}", "Doposcuola «{word}»", "Educativa territoriale {place}"),
        "Doposcuola, laboratori ed educativa domiciliare per bambini e ragazzi, con "
        "sostegno alla genitorialità.",
        "Minori da 6 a 17 anni e le loro famiglie.",
        "Iscrizione diretta o su invio dei servizi sociali e della scuola.",
        "Centro educativo", "educational",
        CapacityUnit.PLACES, (15, 60), min_age=6, max_age=17, languages=("en", "ar"),
        funding=((_F.FNPS, 2), (_F.MUNICIPAL, 2), (_F.PRIVATE, 2), (_F.PN_METRO_PLUS, 1)),
    ),
    # ---- Elderly and disability ----
    Kind(
        "elderly-disability.home-care",
        ("Assistenza domiciliare {place}", "SAD – Servizio di assistenza domiciliare {place}",
         "Assistenza domiciliare «{word}»"),
        "Aiuto a domicilio per anziani e persone con disabilità: igiene personale, pasti, "
        "commissioni, compagnia; integrazione con l'assistenza sanitaria (ADI).",
        "Persone anziane o con disabilità non autosufficienti residenti nel Comune.",
        "Domanda al servizio sociale del Comune con ISEE sociosanitario.",
        "Sede assistenza domiciliare", "home_care",
        CapacityUnit.HOURS_PER_WEEK, (80, 900),
        funding=((_F.FNPS, 2), (_F.MUNICIPAL, 3), (_F.PNRR, 1), (_F.REGIONAL, 1)),
        pnrr_measure="PNRR M5C2 – Investimento 1.1.3 Servizi sociali domiciliari per anziani",
    ),
    Kind(
        "elderly-disability.medical-accompaniment",
        ("Accompagnamento a visite mediche {place}", "Trasporto sociale «{word}»"),
        "Accompagnamento con mezzi attrezzati a visite, terapie ed esami per persone "
        "anziane o con disabilità senza una rete familiare.",
        "Persone anziane o con disabilità con difficoltà di spostamento.",
        "Prenotazione telefonica con almeno tre giorni di anticipo.",
        "Sede trasporto sociale", "office",
        CapacityUnit.HOURS_PER_WEEK, (10, 80),
        funding=((_F.MUNICIPAL, 2), (_F.PRIVATE, 2), (_F.FNPS, 1)),
    ),
    Kind(
        "elderly-disability.socialisation",
        ("Centro anziani {word}", "Attività di socializzazione «{word}»",
         "Centro di aggregazione {place}"),
        "Attività di socializzazione, ginnastica dolce, laboratori e gite per combattere "
        "l'isolamento delle persone anziane.",
        "Persone con più di 65 anni.",
        "Iscrizione diretta presso il centro.",
        "Centro sociale anziani", "socialisation",
        CapacityUnit.PLACES, (20, 150), min_age=65,
        funding=((_F.MUNICIPAL, 3), (_F.PRIVATE, 1), (_F.OTHER, 1)),
    ),
    Kind(
        "elderly-disability.barrier-removal",
        ("Contributi per l'abbattimento delle barriere architettoniche – {place}",),
        "Contributi per rimuovere le barriere architettoniche negli edifici privati dove "
        "vivono persone con disabilità (L. 13/1989), e informazioni sul PEBA comunale.",
        "Persone con disabilità motoria o sensoriale e i loro familiari conviventi.",
        "Domanda al Comune entro il 1° marzo di ogni anno, con il certificato medico.",
        "Ufficio disabilità", "office",
        None,
        funding=((_F.REGIONAL, 3), (_F.MUNICIPAL, 2)),
    ),
    # ---- Access ----
    Kind(
        "access.information-desk",
        ("Punto unico di accesso {place}", "Sportello informativo «{word}»",
         "Sportello di orientamento ai servizi {place}"),
        "Informazioni e orientamento su servizi sociali, sanitari e bonus; aiuto nella "
        "compilazione delle domande.",
        "Tutti i cittadini.",
        "Accesso diretto negli orari di sportello.",
        "Sportello", "desk",
        CapacityUnit.HOURS_PER_WEEK, (8, 36), languages=("en", "fr", "ar"),
        funding=((_F.MUNICIPAL, 3), (_F.FNPS, 1), (_F.PRIVATE, 1)),
    ),
    Kind(
        "access.virtual-desk",
        ("Sportello virtuale {place}", "Sportello sociale online «{word}»"),
        "Sportello informativo a distanza: videochiamata, chat e posta elettronica, con "
        "prenotazione degli appuntamenti con i servizi.",
        "Tutti i cittadini, con particolare attenzione a chi non può spostarsi.",
        "Prenotazione online o al telefono.",
        "Sede dello sportello virtuale", "virtual",
        CapacityUnit.HOURS_PER_WEEK, (10, 40), languages=("en", "sgn"),
        funding=((_F.PON_METRO, 2), (_F.PN_METRO_PLUS, 2), (_F.MUNICIPAL, 1)),
    ),
    Kind(
        "access.social-secretariat",
        ("Segretariato sociale {place}", "Segretariato sociale «{word}»"),
        "Primo ascolto, informazione e orientamento; lettura del bisogno e invio al servizio "
        "sociale professionale (LEPS).",
        "Tutti i cittadini del territorio.",
        "Accesso diretto o su appuntamento.",
        "Segretariato sociale", "desk",
        CapacityUnit.HOURS_PER_WEEK, (10, 36), languages=("en", "fr"),
        funding=((_F.FNPS, 2), (_F.POVERTY_FUND, 2), (_F.MUNICIPAL, 2)),
    ),
    Kind(
        "access.social-work",
        ("Servizio sociale professionale – {place}", "Servizio sociale {place}"),
        "Assistenti sociali che prendono in carico le persone e le famiglie: valutazione "
        "multidimensionale, progetto personalizzato, attivazione dei servizi.",
        "Residenti nel territorio e persone senza dimora presenti nel territorio.",
        "Su appuntamento, anche su invio del segretariato sociale.",
        "Servizio sociale", "office",
        CapacityUnit.STAFF_FTE, (1, 6), tracks_available=False,
        funding=((_F.FNPS, 3), (_F.POVERTY_FUND, 3), (_F.MUNICIPAL, 2)),
    ),
    Kind(
        "access.supervision",
        ("Supervisione professionale degli assistenti sociali – {place}",
         "Supervisione «{word}» per gli operatori sociali"),
        "Supervisione individuale e di gruppo per gli assistenti sociali e gli operatori, "
        "per prevenire il burn-out e migliorare la qualità degli interventi (LEPS).",
        "Assistenti sociali e operatori dei servizi sociali del territorio.",
        "Calendario concordato con i responsabili dei servizi.",
        "Sede della supervisione", "office",
        CapacityUnit.HOURS_PER_WEEK, (4, 20),
        funding=((_F.PNRR, 4), (_F.FNPS, 1), (_F.POVERTY_FUND, 1)),
        pnrr_measure="PNRR M5C2 – Investimento 1.1.4 Rafforzamento dei servizi sociali e "
        "prevenzione del burn-out degli operatori",
    ),
)  # fmt: skip

KINDS_BY_CODE: dict[str, Kind] = {kind.code: kind for kind in KINDS}

FUNDING_DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    _F.PON_METRO: (
        "PON Metro 2014-2020, Asse 3 – Servizi per l'inclusione sociale",
        "PON Metro 2014-2020, azione 3.2.2 – Servizi a bassa soglia",
        "PON Metro 2014-2020, REACT-EU",
    ),
    _F.PN_METRO_PLUS: (
        "PN Metro Plus e città medie Sud 2021-2027, Priorità 3 – Servizi per l'inclusione "
        "e l'innovazione sociale",
        "PN Metro Plus 2021-2027, azione 3.4.1 – Contrasto alla grave marginalità",
    ),
    _F.PNRR: ("PNRR Missione 5, Componente 2 – Infrastrutture sociali, famiglie, comunità",),
    _F.FNPS: ("Fondo nazionale per le politiche sociali, piano di zona",),
    _F.POVERTY_FUND: (
        "Quota servizi del Fondo povertà (D.Lgs. 147/2017)",
        "Fondo povertà – quota per la grave marginalità adulta",
    ),
    _F.REGIONAL: ("Fondi regionali, piano triennale", "Fondi regionali e riparto statale"),
    _F.MUNICIPAL: ("Bilancio comunale, spesa sociale corrente",),
    _F.PRIVATE: (
        "Donazioni private e 5 per mille",
        "Contributo di una fondazione di origine bancaria",
        "Otto per mille e donazioni",
    ),
    _F.OTHER: ("Fondo sociale europeo plus (FSE+) regionale", "Progetto in partenariato"),
}

FEES = (
    "Tariffa oraria in base all'ISEE, con esenzione sotto la soglia comunale.",
    "Compartecipazione alla spesa secondo il regolamento comunale ISEE.",
    "Quota mensile ridotta per i nuclei con ISEE basso.",
)


def opening_intervals(
    kind: Kind, rng: random.Random, as_of: datetime.date
) -> list[tuple[int, datetime.time, datetime.time, datetime.date | None, datetime.date | None]]:
    """Weekly intervals (weekday, opens, closes, valid from, valid to) for one offering."""
    pattern = HOURS[kind.hours]
    valid_from = valid_to = None
    if kind.hours == "overnight" and rng.random() < 0.3:
        # A winter-emergency shelter ("piano freddo"): open from December to March.
        first_year = as_of.year if as_of.month >= 10 else as_of.year - 1
        valid_from = datetime.date(first_year, 12, 1)
        valid_to = datetime.date(first_year + 1, 3, 31)
    shift = rng.choice((0, 0, 0, 30, -30))
    rows = []
    for weekdays, opens, closes in pattern:
        opens_at = _shifted(opens, shift)
        closes_at = _shifted(closes, shift)
        for weekday in weekdays:
            rows.append((weekday, opens_at, closes_at, valid_from, valid_to))
    return rows


def _shifted(value: str, minutes: int) -> datetime.time:
    hours, mins = (int(part) for part in value.split(":"))
    total = (hours * 60 + mins + minutes) % (24 * 60)
    return datetime.time(total // 60, total % 60)
