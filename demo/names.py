"""Name pools for demo people and workers: Italian and the most common foreign nationalities.

Foreign nationalities carry the cadastral code that the Agenzia delle Entrate uses in a
codice fiscale for people born in that country (Z + 3 digits, "codici degli stati esteri").
"""

from __future__ import annotations

from dataclasses import dataclass

ITALIAN_MALE = (
    "Marco", "Andrea", "Giuseppe", "Luca", "Francesco", "Alessandro", "Giovanni", "Antonio",
    "Roberto", "Stefano", "Paolo", "Mario", "Davide", "Matteo", "Lorenzo", "Simone",
    "Fabio", "Massimo", "Claudio", "Daniele", "Riccardo", "Salvatore", "Vincenzo", "Gabriele",
    "Michele", "Federico", "Emanuele", "Luigi", "Pietro", "Nicola", "Enrico", "Giorgio",
    "Filippo", "Alberto", "Raffaele", "Carlo", "Tommaso", "Leonardo", "Edoardo", "Mattia",
    "Domenico", "Angelo", "Sergio", "Franco", "Bruno", "Gianluca", "Maurizio", "Fabrizio",
    "Cristian", "Diego", "Samuele", "Christian", "Giacomo", "Alessio", "Valerio", "Emilio",
    "Ciro", "Gennaro", "Rosario", "Carmelo", "Gaetano", "Pasquale", "Umberto", "Renato",
    "Ivan", "Manuel", "Dario", "Marcello", "Ettore", "Ugo", "Aldo", "Walter",
)  # fmt: skip
ITALIAN_FEMALE = (
    "Giulia", "Francesca", "Chiara", "Sara", "Martina", "Valentina", "Alessandra", "Federica",
    "Elena", "Silvia", "Laura", "Anna", "Maria", "Paola", "Roberta", "Simona",
    "Elisa", "Giorgia", "Sofia", "Aurora", "Alice", "Ginevra", "Beatrice", "Emma",
    "Veronica", "Claudia", "Daniela", "Monica", "Barbara", "Cristina", "Antonella", "Rosa",
    "Giovanna", "Lucia", "Teresa", "Angela", "Patrizia", "Manuela", "Serena", "Ilaria",
    "Erika", "Irene", "Noemi", "Camilla", "Greta", "Marta", "Rita", "Carmela",
    "Concetta", "Giuseppina", "Assunta", "Immacolata", "Antonietta", "Stefania", "Cinzia",
    "Loredana", "Nadia", "Debora", "Arianna", "Vittoria", "Bianca", "Caterina", "Ludovica",
    "Rebecca", "Agnese", "Luisa", "Carla", "Franca", "Graziella", "Marisa", "Adele",
)  # fmt: skip
ITALIAN_SURNAMES = (
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
    "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa",
    "Giordano", "Rizzo", "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro", "Mariani",
    "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini", "Leone", "Longo", "Gentile",
    "Martinelli", "Vitale", "Lombardo", "Serra", "Coppola", "De Santis", "D'Angelo",
    "Marchetti", "Parisi", "Villa", "Conte", "Ferraro", "Ferri", "Fabbri", "Bianco",
    "Marini", "Grasso", "Valentini", "Messina", "Sala", "De Angelis", "Gatti", "Pellegrini",
    "Palumbo", "Sanna", "Farina", "Rizzi", "Monti", "Cattaneo", "Morelli", "Amato",
    "Silvestri", "Mazza", "Testa", "Grassi", "Pellegrino", "Carbone", "Giuliani", "Benedetti",
    "Barone", "Rossetti", "Caputo", "Montanari", "Guerra", "Palmieri", "Bernardi", "Martino",
    "Fiore", "De Rosa", "Ferretti", "Bellini", "Basile", "Riva", "Donati", "Piras",
    "Vitali", "Battaglia", "Sartori", "Neri", "Costantini", "Milani", "Pagano", "Ruggiero",
    "Sorrentino", "D'Amico", "Orlando", "Damico", "Negri", "Bassi", "Cirillo", "Fumagalli",
    "Castelli", "Marras", "Porcu", "Melis", "Mele", "Cocco", "Pinna", "Lai",
    "Ruggeri", "Marchi", "Bellucci", "Pace", "Mazzola", "Zanetti", "Pagani", "Tedesco",
    "Capuano", "Di Stefano", "Di Pietro", "Di Marco", "Di Giovanni", "Russo", "La Rosa",
    "Lo Presti", "Lo Bianco", "Li Causi", "Scalia", "Catalano", "Amoroso", "Puglisi",
    "Privitera", "Musumeci", "Calabrese", "Nicotra", "Arena", "Trovato", "Spinelli", "Bonetti",
    "Brambilla", "Galbiati", "Colombini", "Brunetti", "Zanella", "Furlan", "Zanon", "Visentin",
    "Barbiero", "Bortolotti", "Canepa", "Parodi", "Ferrando", "Pastorino", "Gualtieri", "Rotondo",
    "Iannone", "Iacobelli", "Cozzolino", "Ianniello", "Aprea", "Scognamiglio", "Manzo",
    "Liguori", "Acampora", "Fusco", "Cafiero", "Ruocco", "Valente", "Carta", "Deiana",
    "Murgia", "Fadda", "Atzeni", "Ligas", "Santangelo", "Genovese", "Taormina", "Saitta",
    "Caminiti", "Morabito", "Nucera", "Zappia", "Romeo", "Surace", "Laganà", "Cutrupi",
    "Loiacono", "Lorusso", "Lopez", "Colella", "Cassano", "Amendola", "Losito", "Carella",
    "Bertolini", "Mazzoni", "Bonfiglioli", "Gherardi", "Tarozzi", "Landi", "Guidi", "Innocenti",
    "Bacci", "Cappelli", "Nardi", "Becattini", "Vannini", "Ferrero", "Bosio", "Giraudo",
    "Bertola", "Rosso", "Perino", "Chiesa", "Gallina", "Quaranta", "Cocuzza", "Scuderi",
)  # fmt: skip


@dataclass(frozen=True)
class Nationality:
    """A citizenship with its ISO code, its codice fiscale country code and a name pool."""

    iso: str
    name_it: str
    cadastral_code: str  # Z-code of the country of birth in a codice fiscale
    weight: float  # share among the foreign people the services meet
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]
    languages: tuple[str, ...]  # ISO 639 codes spoken, for the services' language lists


# Shares roughly follow the foreign residents of Italy (ISTAT), tilted towards the
# nationalities most present among people of low-threshold and reception services.
NATIONALITIES: tuple[Nationality, ...] = (
    Nationality(
        "RO", "Romania", "Z129", 19.0,
        ("Ion", "Andrei", "Mihai", "Florin", "Gheorghe", "Constantin", "Adrian", "Marius",
         "Alexandru", "Ionut", "Cristian", "Vasile", "Stefan", "Daniel", "Bogdan"),
        ("Maria", "Elena", "Ioana", "Andreea", "Mihaela", "Alina", "Gabriela", "Florentina",
         "Ana", "Daniela", "Roxana", "Simona", "Nicoleta", "Cristina", "Adriana"),
        ("Popescu", "Ionescu", "Popa", "Pop", "Radu", "Dumitru", "Stan", "Stoica", "Gheorghe",
         "Matei", "Ciobanu", "Rusu", "Munteanu", "Constantin", "Moldovan", "Lungu", "Barbu",
         "Dinu", "Florea", "Tudor"),
        ("ro",),
    ),
    Nationality(
        "AL", "Albania", "Z100", 8.0,
        ("Arben", "Besnik", "Ermal", "Gentian", "Ilir", "Klodian", "Altin", "Artan", "Dritan",
         "Fatmir", "Sokol", "Endrit", "Erion", "Kledi", "Ardit"),
        ("Anila", "Blerina", "Elona", "Entela", "Mirela", "Valbona", "Ermira", "Jonida",
         "Klea", "Alketa", "Eriola", "Ornela", "Dorina", "Lindita", "Arjola"),
        ("Hoxha", "Shehu", "Gjoka", "Leka", "Marku", "Dervishi", "Hysa", "Kola", "Prifti",
         "Duka", "Basha", "Rama", "Cela", "Lika", "Meta", "Zeneli", "Kuka", "Mema"),
        ("sq",),
    ),
    Nationality(
        "MA", "Marocco", "Z330", 9.0,
        ("Mohamed", "Youssef", "Ahmed", "Rachid", "Hassan", "Abdelkader", "Mustapha", "Said",
         "Karim", "Khalid", "Omar", "Hamza", "Abdellah", "Nourdine", "Driss"),
        ("Fatima", "Khadija", "Aicha", "Naima", "Malika", "Samira", "Zineb", "Hafsa", "Salma",
         "Nadia", "Latifa", "Imane", "Hanane", "Souad", "Meryem"),
        ("El Amrani", "Benali", "Bouzid", "El Idrissi", "Alaoui", "Benjelloun", "Chakir",
         "El Fassi", "Ouazzani", "Tazi", "Berrada", "Lahlou", "Haddad", "Belkadi", "Ziani",
         "Mansouri", "Rahmouni", "Saidi"),
        ("ar", "fr"),
    ),
    Nationality(
        "UA", "Ucraina", "Z138", 7.0,
        ("Oleksandr", "Andriy", "Serhiy", "Volodymyr", "Mykola", "Dmytro", "Ivan", "Yuriy",
         "Vasyl", "Petro", "Bohdan", "Taras"),
        ("Olena", "Natalia", "Iryna", "Oksana", "Tetiana", "Svitlana", "Halyna", "Yulia",
         "Liudmyla", "Mariia", "Nadiia", "Larysa", "Kateryna"),
        ("Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko", "Melnyk",
         "Boyko", "Kovalchuk", "Oliynyk", "Lysenko", "Marchenko", "Savchenko", "Rudenko",
         "Moroz", "Pavlenko", "Polishchuk"),
        ("uk", "ru"),
    ),
    Nationality(
        "CN", "Cina", "Z210", 4.0,
        ("Wei", "Jian", "Hao", "Lei", "Ming", "Jun", "Qiang", "Tao", "Yong", "Bin"),
        ("Li", "Mei", "Xiu", "Ying", "Fang", "Jing", "Hui", "Yan", "Ling", "Xia"),
        ("Hu", "Zhou", "Chen", "Wang", "Zhang", "Lin", "Huang", "Wu", "Xu", "Ye", "Jin",
         "Zheng", "Pan", "Ji"),
        ("zh",),
    ),
    Nationality(
        "PH", "Filippine", "Z216", 3.5,
        ("Jose", "Mark", "John Paul", "Rodel", "Jomar", "Ramon", "Renato", "Arnel", "Jerome"),
        ("Maricel", "Rowena", "Jocelyn", "Marites", "Lorna", "Analyn", "Rosalie", "Jennelyn",
         "Mary Grace"),
        ("Santos", "Reyes", "Cruz", "Bautista", "Ocampo", "Garcia", "Mendoza", "Torres",
         "Villanueva", "Ramos", "Aquino", "Dela Cruz"),
        ("tl", "en"),
    ),
    Nationality(
        "IN", "India", "Z222", 3.5,
        ("Gurpreet", "Harpreet", "Manpreet", "Rajesh", "Sandeep", "Amit", "Sukhwinder",
         "Jaswinder", "Ravi", "Kuldeep"),
        ("Simran", "Harjit", "Kamaljit", "Priya", "Sunita", "Manjit", "Navdeep", "Anita",
         "Rupinder"),
        ("Singh", "Kaur", "Kumar", "Sharma", "Gill", "Sandhu", "Sidhu", "Dhillon", "Patel"),
        ("pa", "en"),
    ),
    Nationality(
        "BD", "Bangladesh", "Z249", 4.5,
        ("Mohammad", "Abdul", "Rahim", "Karim", "Shahidul", "Mizanur", "Rafiqul", "Habibur",
         "Anisur", "Kamrul", "Jahangir"),
        ("Nasrin", "Shirin", "Rokeya", "Fatema", "Salma", "Ayesha", "Sharmin", "Taslima",
         "Nazma"),
        ("Hossain", "Rahman", "Islam", "Ahmed", "Uddin", "Miah", "Akter", "Khan", "Alam",
         "Sarker", "Chowdhury"),
        ("bn", "en"),
    ),
    Nationality(
        "EG", "Egitto", "Z336", 3.5,
        ("Mahmoud", "Mohamed", "Ahmed", "Mostafa", "Ibrahim", "Tarek", "Hany", "Sherif",
         "Amr", "Walid"),
        ("Mona", "Heba", "Nour", "Rania", "Dina", "Amira", "Yasmin", "Marwa", "Shaimaa"),
        ("Abdelrahman", "Hassan", "Ibrahim", "Mahmoud", "Ali", "Sayed", "Farouk", "Mansour",
         "Salem", "Fahmy"),
        ("ar",),
    ),
    Nationality(
        "PK", "Pakistan", "Z236", 3.0,
        ("Muhammad", "Ali", "Imran", "Asif", "Bilal", "Usman", "Kashif", "Tariq", "Zeeshan"),
        ("Ayesha", "Fatima", "Sana", "Hina", "Nadia", "Rabia", "Saima", "Samina"),
        ("Khan", "Ahmed", "Hussain", "Iqbal", "Butt", "Malik", "Raza", "Qureshi", "Chaudhry"),
        ("ur", "en"),
    ),
    Nationality(
        "NG", "Nigeria", "Z335", 5.0,
        ("Emmanuel", "Chinedu", "Oluwaseun", "Ifeanyi", "Samuel", "Daniel", "Godwin", "Osas",
         "Precious", "Uche", "Festus"),
        ("Blessing", "Joy", "Faith", "Mercy", "Peace", "Esther", "Gift", "Favour", "Glory",
         "Chioma", "Osarenoma"),
        ("Okafor", "Eze", "Okonkwo", "Adeyemi", "Ogunleye", "Osagie", "Igbinedion", "Obi",
         "Nwosu", "Edosa", "Omoregie", "Ehigiator"),
        ("en",),
    ),
    Nationality(
        "SN", "Senegal", "Z343", 4.0,
        ("Mamadou", "Moussa", "Ousmane", "Cheikh", "Abdoulaye", "Ibrahima", "Modou", "Babacar",
         "Serigne", "Pape", "Lamine"),
        ("Fatou", "Aminata", "Awa", "Mariama", "Khady", "Ndeye", "Aissatou", "Coumba",
         "Astou"),
        ("Diop", "Ndiaye", "Fall", "Sow", "Diallo", "Gueye", "Sarr", "Faye", "Mbaye", "Seck",
         "Cisse", "Ba"),
        ("fr", "wo"),
    ),
    Nationality(
        "GM", "Gambia", "Z317", 2.5,
        ("Lamin", "Ebrima", "Omar", "Alieu", "Modou", "Bakary", "Musa", "Ousainou"),
        ("Isatou", "Fatoumata", "Mariama", "Haddy", "Awa", "Binta"),
        ("Jallow", "Ceesay", "Bah", "Touray", "Darboe", "Sanneh", "Jammeh", "Camara"),
        ("en", "wo"),
    ),
    Nationality(
        "ML", "Mali", "Z329", 2.0,
        ("Moussa", "Souleymane", "Adama", "Boubacar", "Seydou", "Drissa", "Bakary"),
        ("Aminata", "Kadiatou", "Mariam", "Fanta", "Oumou", "Djeneba"),
        ("Traoré", "Keita", "Coulibaly", "Diarra", "Konaté", "Sangaré", "Touré", "Sissoko"),
        ("fr",),
    ),
    Nationality(
        "ER", "Eritrea", "Z368", 2.0,
        ("Tesfaye", "Yonas", "Michael", "Samuel", "Dawit", "Filmon", "Biniam", "Robel"),
        ("Helen", "Senait", "Luwam", "Selam", "Saba", "Feven", "Rahel"),
        ("Tesfamariam", "Ghebremedhin", "Haile", "Kidane", "Weldemichael", "Berhane",
         "Tekle", "Gebreyesus"),
        ("ti", "en"),
    ),
    Nationality(
        "SO", "Somalia", "Z345", 1.5,
        ("Abdirahman", "Mohamed", "Abdullahi", "Hassan", "Ahmed", "Yusuf", "Abdi"),
        ("Hodan", "Amina", "Fadumo", "Sahra", "Halima", "Khadra", "Ubah"),
        ("Warsame", "Farah", "Abdi", "Omar", "Osman", "Hirsi", "Jama", "Mohamud"),
        ("so", "ar"),
    ),
    Nationality(
        "AF", "Afghanistan", "Z200", 1.5,
        ("Ahmad", "Mohammad", "Ali", "Reza", "Hamid", "Jawad", "Sayed", "Mustafa"),
        ("Fatima", "Zahra", "Maryam", "Masooma", "Sakina", "Nargis", "Shabnam"),
        ("Ahmadi", "Hosseini", "Rahimi", "Mohammadi", "Karimi", "Sultani", "Haidari",
         "Noori"),
        ("en",),
    ),
    Nationality(
        "TN", "Tunisia", "Z352", 2.5,
        ("Mohamed", "Ahmed", "Sami", "Mehdi", "Anis", "Nabil", "Walid", "Bilel", "Hichem"),
        ("Amel", "Sonia", "Leila", "Ines", "Rim", "Nesrine", "Olfa", "Samia"),
        ("Ben Ali", "Trabelsi", "Gharbi", "Jlassi", "Hamdi", "Mejri", "Ayari", "Ben Salah",
         "Bouazizi", "Chaabane"),
        ("ar", "fr"),
    ),
    Nationality(
        "PE", "Perù", "Z611", 2.5,
        ("Luis", "Carlos", "Jorge", "Juan", "Miguel", "César", "Víctor", "Wilmer"),
        ("Rosa", "Carmen", "Elizabeth", "Maribel", "Gladys", "Milagros", "Yesenia", "Flor"),
        ("Quispe", "Flores", "Huamán", "Mamani", "Rojas", "Vásquez", "Chávez", "Ramírez",
         "Torres", "Mendoza"),
        ("es",),
    ),
    Nationality(
        "EC", "Ecuador", "Z605", 2.0,
        ("Luis", "Jorge", "Wilson", "Fabián", "Patricio", "Édison", "Byron"),
        ("María", "Jessica", "Verónica", "Mónica", "Paola", "Jenny", "Narcisa"),
        ("Zambrano", "Cedeño", "Vera", "Macías", "Moreira", "Guamán", "Loor", "Intriago"),
        ("es",),
    ),
    Nationality(
        "LK", "Sri Lanka", "Z209", 1.5,
        ("Nuwan", "Chaminda", "Ruwan", "Suresh", "Kasun", "Pradeep", "Roshan"),
        ("Dilani", "Nirosha", "Chamari", "Sanduni", "Ishara", "Malani", "Kumari"),
        ("Perera", "Fernando", "De Silva", "Jayasinghe", "Wickramasinghe", "Rathnayake",
         "Bandara", "Gunawardena"),
        ("en",),
    ),
    Nationality(
        "MD", "Moldova", "Z140", 2.0,
        ("Ion", "Vasile", "Sergiu", "Victor", "Igor", "Dumitru", "Nicolae", "Vitalie"),
        ("Natalia", "Tatiana", "Svetlana", "Olga", "Ala", "Lilia", "Galina", "Angela"),
        ("Rusu", "Ceban", "Ciobanu", "Turcanu", "Lungu", "Cojocaru", "Rotaru", "Bivol",
         "Cebotari", "Munteanu"),
        ("ro", "ru"),
    ),
    Nationality(
        "PL", "Polonia", "Z127", 1.5,
        ("Piotr", "Krzysztof", "Tomasz", "Andrzej", "Pawel", "Marek", "Michal"),
        ("Anna", "Katarzyna", "Agnieszka", "Malgorzata", "Ewa", "Joanna", "Magdalena"),
        ("Nowak", "Kowalski", "Wisniewski", "Wojcik", "Kowalczyk", "Kaminski", "Lewandowski",
         "Zielinski"),
        ("en",),
    ),
    Nationality(
        "BR", "Brasile", "Z602", 1.5,
        ("João", "Pedro", "Lucas", "Gabriel", "Rafael", "Thiago", "Felipe"),
        ("Ana", "Juliana", "Fernanda", "Camila", "Aline", "Patrícia", "Larissa"),
        ("Silva", "Santos", "Oliveira", "Souza", "Pereira", "Lima", "Carvalho", "Ferreira",
         "Almeida"),
        ("pt",),
    ),
)  # fmt: skip

# Countries where Italian citizens in the registers were often born (emigration, return).
ITALIANS_BORN_ABROAD: tuple[str, ...] = (
    "Z112",  # Germania
    "Z133",  # Svizzera
    "Z110",  # Francia
    "Z103",  # Belgio
    "Z600",  # Argentina
    "Z614",  # Venezuela
    "Z602",  # Brasile
)

# Double given names that are common in Italy (the codice fiscale takes both).
ITALIAN_DOUBLE_MALE = ("Gian Marco", "Gian Luca", "Pier Paolo", "Gian Carlo", "Pier Luigi")
ITALIAN_DOUBLE_FEMALE = ("Maria Grazia", "Anna Maria", "Maria Teresa", "Rosa Maria", "Maria Pia")
