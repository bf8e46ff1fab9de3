# Norsk nynorsk: users

users-title = Brukarar og roller
users-new = Ny brukar
users-count = { $count } brukarar
users-status = Status
users-active = Aktiv
users-inactive = Deaktivert
users-email-fixed = E-postadressa er innloggingsnamnet og kan ikkje endrast.
users-person = Person i organisasjonen
users-person-help = Knyter brukaren til ein person, slik at leiarrettar og eiga eining følgjer stillinga.
users-no-person = Ingen (t.d. politikar eller revisor)
users-password = Første passord
users-password-help = Minst 10 teikn. Be brukaren byte det under «Profilen min».
users-can-login = Kan logge inn
