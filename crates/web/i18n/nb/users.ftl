# Norsk bokmål: users

users-title = Brukere og roller
users-new = Ny bruker
users-count = { $count } brukere
users-status = Status
users-active = Aktiv
users-inactive = Deaktivert
users-email-fixed = E-postadressen er innloggingsnavnet og kan ikke endres.
users-person = Person i organisasjonen
users-person-help = Knytter brukeren til en person, slik at lederrettigheter og egen enhet følger stillingen.
users-no-person = Ingen (f.eks. politiker eller revisor)
users-password = Første passord
users-password-help = Minst 10 tegn. Be brukeren bytte det under «Min profil».
users-can-login = Kan logge inn
