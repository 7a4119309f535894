"""Reference data every installation starts with: the service taxonomy and languages.

The taxonomy codes the kinds of service named in the metropolitan strategic plans
(docs: domain.md, "Kinds of service"). Codes are stable identifiers used by the API,
the HSDS publication and the coverage standards; names may be edited.
"""

# (code, Italian name, English name); a code's parent is its prefix before the last dot.
TAXONOMY: tuple[tuple[str, str, str], ...] = (
    ("low-threshold", "Servizi a bassa soglia", "Low-threshold services"),
    ("low-threshold.night-shelter", "Dormitorio / accoglienza notturna", "Night shelter"),
    ("low-threshold.day-centre", "Centro diurno", "Day centre"),
    ("low-threshold.canteen", "Mensa sociale", "Canteen"),
    ("low-threshold.showers", "Docce e servizi igienici", "Showers and toilets"),
    ("low-threshold.street-unit", "Unità di strada", "Street unit"),
    ("low-threshold.first-health-care", "Prima assistenza sanitaria", "First health care"),
    ("low-threshold.psychological-support", "Supporto psicologico", "Psychological support"),
    (
        "low-threshold.emergency-social-service",
        "Pronto intervento sociale",
        "Emergency social service",
    ),
    ("housing", "Abitare", "Housing"),
    ("housing.housing-first", "Housing First", "Housing First"),
    ("housing.housing-led", "Housing Led", "Housing Led"),
    ("housing.social-housing-agency", "Agenzia sociale per la casa", "Social housing agency"),
    ("housing.public-housing", "Edilizia residenziale pubblica (ERP)", "Public housing"),
    ("housing.temporary", "Abitazioni temporanee", "Temporary housing"),
    (
        "housing.camp-exit",
        "Percorsi abitativi per famiglie rom, sinti e caminanti",
        "Housing pathways for Roma, Sinti and Caminanti families leaving camps",
    ),
    ("housing.recovered-homes", "Recupero di alloggi sfitti", "Recovered unused homes"),
    (
        "housing.confiscated-property",
        "Beni confiscati riutilizzati",
        "Reused property confiscated from organised crime",
    ),
    ("gender-violence", "Contrasto alla violenza di genere", "Gender-based violence"),
    ("gender-violence.anti-violence-centre", "Centro antiviolenza (CAV)", "Anti-violence centre"),
    ("gender-violence.shelter", "Casa rifugio", "Women's shelter"),
    ("gender-violence.semi-autonomy", "Casa di semi-autonomia", "Semi-autonomy housing"),
    ("gender-violence.rape-crisis-centre", "Centro antistupro", "Rape crisis centre"),
    ("inclusion", "Inclusione sociale e lavorativa", "Social and work inclusion"),
    ("inclusion.job-placement", "Inserimento lavorativo", "Job placement"),
    ("inclusion.social-farm", "Agricoltura sociale", "Social farms"),
    (
        "inclusion.cultural-mediation",
        "Mediazione culturale e inclusione dei migranti",
        "Cultural mediation and migrant inclusion",
    ),
    ("inclusion.italian-courses", "Corsi di lingua italiana", "Italian language courses"),
    (
        "inclusion.legal-aid",
        "Assistenza legale e regolarizzazione dei documenti",
        "Legal aid and document regularisation",
    ),
    ("families", "Famiglie e minori", "Families and children"),
    ("families.pippi", "Programma P.I.P.P.I.", "P.I.P.P.I. programme"),
    ("families.educational", "Servizi educativi", "Educational services"),
    ("elderly-disability", "Anziani e disabilità", "Elderly and disability"),
    ("elderly-disability.home-care", "Assistenza domiciliare", "Home care"),
    (
        "elderly-disability.medical-accompaniment",
        "Accompagnamento a visite mediche",
        "Accompaniment to medical visits",
    ),
    ("elderly-disability.socialisation", "Attività di socializzazione", "Socialisation"),
    (
        "elderly-disability.barrier-removal",
        "Contributi per l'abbattimento delle barriere architettoniche",
        "Barrier removal grants",
    ),
    ("access", "Accesso al welfare", "Access to welfare"),
    (
        "access.information-desk",
        "Sportello informativo e di orientamento",
        "Information and orientation desk",
    ),
    ("access.virtual-desk", "Sportello virtuale", "Virtual information desk"),
    ("access.social-secretariat", "Segretariato sociale", "Social secretariat"),
    ("access.social-work", "Servizio sociale professionale", "Professional social work"),
    (
        "access.supervision",
        "Supervisione degli assistenti sociali",
        "Supervision of social workers",
    ),
)

# ISO 639-1 languages most spoken by the people the services meet.
LANGUAGES: tuple[tuple[str, str, str], ...] = (
    ("it", "italiano", "Italian"),
    ("en", "inglese", "English"),
    ("fr", "francese", "French"),
    ("es", "spagnolo", "Spanish"),
    ("de", "tedesco", "German"),
    ("ro", "rumeno", "Romanian"),
    ("sq", "albanese", "Albanian"),
    ("ar", "arabo", "Arabic"),
    ("uk", "ucraino", "Ukrainian"),
    ("ru", "russo", "Russian"),
    ("zh", "cinese", "Chinese"),
    ("bn", "bengalese", "Bengali"),
    ("ur", "urdu", "Urdu"),
    ("tl", "tagalog", "Tagalog"),
    ("pt", "portoghese", "Portuguese"),
    ("ti", "tigrino", "Tigrinya"),
    ("so", "somalo", "Somali"),
    ("wo", "wolof", "Wolof"),
    ("pa", "punjabi", "Punjabi"),
    ("rom", "romanì", "Romani"),
    ("sgn", "lingua dei segni", "Sign language"),
)


def sync_reference_data(category_model, language_model) -> None:
    """Create or rename the taxonomy terms and languages; idempotent.

    Takes the model classes so that a migration can pass its historical models.
    """
    by_code = {}
    for code, name_it, name_en in TAXONOMY:
        parent_code = code.rpartition(".")[0]
        category, _ = category_model.objects.update_or_create(
            code=code,
            defaults={
                "name_it": name_it,
                "name_en": name_en,
                "parent": by_code.get(parent_code),
            },
        )
        by_code[code] = category
    for code, name_it, name_en in LANGUAGES:
        language_model.objects.update_or_create(
            code=code, defaults={"name_it": name_it, "name_en": name_en}
        )
