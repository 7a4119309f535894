"""Plausible Italian addresses, postal codes (CAP) and phone numbers for demo places."""

from __future__ import annotations

import random

STREETS = (
    "Via Roma", "Via Giuseppe Garibaldi", "Via Giuseppe Mazzini", "Via Cavour",
    "Corso Vittorio Emanuele II", "Via Dante Alighieri", "Via Giacomo Matteotti",
    "Via Antonio Gramsci", "Via XX Settembre", "Via IV Novembre", "Piazza della Repubblica",
    "Piazza Garibaldi", "Viale Europa", "Via Guglielmo Marconi", "Via Giacomo Leopardi",
    "Via Alessandro Manzoni", "Corso Italia", "Via San Francesco d'Assisi", "Via dei Mille",
    "Via delle Rose", "Via dei Tigli", "Via Aldo Moro", "Via Sandro Pertini", "Via Enrico Fermi",
    "Via Galileo Galilei", "Via Luigi Pirandello", "Via Giovanni Verga", "Via Cristoforo Colombo",
    "Via Nazionale", "Via della Stazione", "Via del Lavoro", "Via della Libertà",
    "Via Don Luigi Sturzo", "Via Papa Giovanni XXIII", "Via Martiri della Libertà",
    "Via Vittorio Veneto", "Piazza del Popolo", "Piazza del Municipio", "Via Piave", "Via Trieste",
    "Via Trento", "Via Cesare Battisti", "Via Nazario Sauro", "Via Fratelli Bandiera",
    "Via Goffredo Mameli", "Via Ugo Foscolo", "Via Giosuè Carducci", "Via Giuseppe Verdi",
    "Via Gioacchino Rossini", "Via Vincenzo Bellini", "Via Giacomo Puccini", "Via Pietro Mascagni",
    "Via Amerigo Vespucci", "Via Leonardo da Vinci", "Via Michelangelo Buonarroti",
    "Via Raffaello Sanzio", "Via Giotto", "Via Francesco Petrarca", "Via Torquato Tasso",
    "Via Ludovico Ariosto", "Via Niccolò Machiavelli", "Via Pier Paolo Pasolini",
    "Via Grazia Deledda", "Via Maria Montessori", "Via Rita Levi-Montalcini", "Via Nilde Iotti",
    "Via Tina Anselmi", "Via Giovanni Falcone", "Via Paolo Borsellino", "Via Peppino Impastato",
    "Largo Augusto", "Via degli Olmi", "Via dei Pini", "Via delle Acacie", "Via dei Glicini",
    "Via della Pace", "Via dei Campi", "Viale della Resistenza", "Via Salvo D'Acquisto",
    "Via Luigi Einaudi", "Via Alcide De Gasperi", "Via Enrico Berlinguer", "Via Lazio",
    "Via Toscana", "Via Sicilia", "Via Sardegna", "Via Napoli", "Via Milano", "Via Torino",
    "Via Firenze", "Via Bologna", "Via Genova", "Via Venezia", "Piazza San Giovanni",
    "Vicolo del Forno", "Via del Mercato", "Via della Chiesa", "Via dell'Ospedale",
)  # fmt: skip

# Per metropolitan city: province abbreviation (sigla), CAP prefix, the capital's CAP
# range and the telephone area code.
METRO_CODES: dict[str, tuple[str, str, tuple[int, int], str]] = {
    "torino": ("TO", "10", (10121, 10156), "011"),
    "genova": ("GE", "16", (16121, 16167), "010"),
    "milano": ("MI", "20", (20121, 20162), "02"),
    "venezia": ("VE", "30", (30121, 30176), "041"),
    "bologna": ("BO", "40", (40121, 40141), "051"),
    "firenze": ("FI", "50", (50121, 50145), "055"),
    "roma": ("RM", "00", (118, 199), "06"),
    "napoli": ("NA", "80", (80121, 80147), "081"),
    "bari": ("BA", "70", (70121, 70132), "080"),
    "reggio-calabria": ("RC", "89", (89121, 89135), "0965"),
    "palermo": ("PA", "90", (90121, 90151), "091"),
    "messina": ("ME", "98", (98121, 98168), "090"),
    "catania": ("CT", "95", (95121, 95131), "095"),
    "cagliari": ("CA", "09", (9121, 9134), "070"),
}


def street_address(rng: random.Random) -> str:
    number = rng.randint(1, 180) if rng.random() < 0.9 else rng.randint(181, 400)
    suffix = rng.choice(("/A", "/B", " bis")) if rng.random() < 0.05 else ""
    return f"{rng.choice(STREETS)}, {number}{suffix}"


def postal_code(rng: random.Random, metro_slug: str, istat_code: str, is_capital: bool) -> str:
    """The CAP: a random one of the capital's range, else one fixed CAP per municipality."""
    _, prefix, (low, high), _ = METRO_CODES[metro_slug]
    if is_capital:
        return f"{rng.randint(low, high):05d}"
    # Outside the capital a municipality has one CAP: prefix + 0 + two digits (10-79),
    # derived from its ISTAT code so that it is stable.
    return f"{prefix}0{10 + int(istat_code[-3:]) * 7 % 70:02d}"


def phone_number(rng: random.Random, metro_slug: str) -> str:
    area = METRO_CODES[metro_slug][3]
    digits = 10 - len(area)
    number = f"{rng.randrange(10 ** (digits - 1), 10**digits)}"
    return f"{area} {number[: digits // 2]} {number[digits // 2 :]}"
