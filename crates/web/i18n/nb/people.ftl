# Norsk bokmål: people

people-title = Personer
people-new = Ny person
people-search = Søk etter navn, e-post eller tittel
people-limited = Viser de første 500. Snevre inn søket for å se flere.
people-count = { $count } personer
person-name = Navn
person-title = Tittel
person-email = E-post
person-unit = Enhet
person-inactive = Sluttet
person-edit = Endre person
person-active = Ansatt nå
