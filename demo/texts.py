"""Italian phrases for demo needs, case notes, referral reasons and placement endings.

They describe situations, never identify anyone: no names, places or dates of birth.
"""

NEED_DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "housing": (
        "Vive in strada da alcuni mesi, dorme in stazione.",
        "Sfratto esecutivo per morosità incolpevole, data di esecuzione fissata.",
        "Alloggio sovraffollato, nucleo di cinque persone in due stanze.",
        "Ospite a rotazione presso conoscenti, senza una sistemazione stabile.",
        "Uscita da una struttura di accoglienza senza soluzione abitativa.",
        "Abitazione con gravi problemi di umidità e senza riscaldamento.",
        "Vive in un insediamento informale, chiede un percorso abitativo.",
        "Canone di locazione non più sostenibile dopo la perdita del lavoro.",
    ),
    "work": (
        "Disoccupato da oltre due anni, esperienza nell'edilizia.",
        "Lavoro saltuario e irregolare nella raccolta agricola.",
        "Cerca un impiego compatibile con la cura dei figli.",
        "Ha perso il lavoro dopo la chiusura dell'azienda.",
        "Interessata a un tirocinio di inclusione nella ristorazione.",
        "Necessita di riqualificazione professionale e patente.",
    ),
    "health": (
        "Patologia cronica non seguita, senza medico di base.",
        "Disagio psichico, non in carico al centro di salute mentale.",
        "Dipendenza da alcol, interessato a un percorso con il SerD.",
        "Invalidità civile da riconoscere, documentazione incompleta.",
        "Necessità di cure odontoiatriche urgenti.",
        "Gravidanza in corso senza controlli regolari.",
    ),
    "income": (
        "Nessun reddito, domanda di Assegno di inclusione da presentare.",
        "Debiti per utenze arretrate, rischio di distacco.",
        "Pensione minima insufficiente a coprire affitto e spese.",
        "Reddito discontinuo, difficoltà a fare la spesa a fine mese.",
        "Richiesta di contributo economico straordinario.",
    ),
    "education": (
        "Non parla italiano, chiede un corso di lingua.",
        "Figlio con frequenza scolastica irregolare.",
        "Titolo di studio estero da riconoscere.",
        "Abbandono scolastico precoce, interesse per un corso serale.",
        "Bambini senza posto al nido, madre sola.",
    ),
    "legal": (
        "Permesso di soggiorno in scadenza, rinnovo da avviare.",
        "Senza residenza anagrafica, necessaria per accedere ai servizi.",
        "Procedimento di separazione in corso, serve consulenza.",
        "Richiesta di protezione internazionale in attesa di audizione.",
        "Documenti di identità smarriti o scaduti.",
    ),
    "family": (
        "Difficoltà nella cura dei figli, rete familiare assente.",
        "Conflitto familiare con episodi di violenza riferiti.",
        "Anziano solo con familiari lontani, isolamento.",
        "Minore con bisogni educativi speciali, genitori in difficoltà.",
        "Carico di cura per un familiare non autosufficiente.",
    ),
}

NOTE_TEMPLATES = (
    "Colloquio di accoglienza: raccolta della storia e dei bisogni, concordato un primo "
    "appuntamento di verifica.",
    "Colloquio di monitoraggio: la persona riferisce miglioramenti, si conferma il progetto.",
    "Visita domiciliare: condizioni dell'alloggio verificate, segnalate criticità.",
    "Contatto telefonico con il servizio inviante per aggiornamento sul percorso.",
    "Riunione d'équipe: rivisti gli obiettivi del progetto personalizzato.",
    "Accompagnamento agli uffici per la richiesta dei documenti.",
    "La persona non si è presentata all'appuntamento; riprogrammato.",
    "Colloquio con la rete familiare: disponibilità a sostenere il percorso.",
    "Aggiornata la valutazione multidimensionale; rivista la priorità dei bisogni.",
    "Verifica del progetto: obiettivi in parte raggiunti, prorogato di tre mesi.",
    "Contatto con il centro per l'impiego per l'attivazione del tirocinio.",
    "Consegnata la documentazione per la domanda di contributo.",
)

REFERRAL_REASONS: dict[str, tuple[str, ...]] = {
    "referred": (
        "Richiesta di accoglienza.",
        "Invio per valutazione dell'accesso al servizio.",
        "Bisogno emerso nel colloquio di accoglienza.",
        "",
    ),
    "waiting": ("Posti al momento esauriti, inserita in lista d'attesa.", ""),
    "accepted": ("Accolta la richiesta, in attesa dell'avvio.", ""),
    "active": ("Percorso avviato.", ""),
    "declined": (
        "Posti esauriti.",
        "Requisiti di accesso non soddisfatti.",
        "La persona ha rinunciato.",
        "Servizio non adeguato al bisogno: riorientata ad altro servizio.",
        "Residenza fuori dall'ambito di competenza.",
    ),
    "closed": (
        "Percorso concluso con il raggiungimento degli obiettivi.",
        "Interrotto per abbandono da parte della persona.",
        "Trasferita ad altro servizio.",
        "Concluso per scadenza del progetto.",
        "Concluso: la persona si è trasferita.",
    ),
}

PLACEMENT_END_REASONS = (
    "Passaggio a un alloggio autonomo",
    "Conclusione del progetto",
    "Assegnazione di un alloggio ERP",
    "Trasferimento in altra struttura",
    "Abbandono volontario",
    "Rientro in famiglia",
)
