# Norsk nynorsk: people

people-title = Personar
people-new = Ny person
people-search = Søk etter namn, e-post eller tittel
people-limited = Viser dei første 500. Avgrens søket for å sjå fleire.
people-count = { $count } personar
person-name = Namn
person-title = Tittel
person-email = E-post
person-unit = Eining
person-inactive = Slutta
person-edit = Endre person
person-active = Tilsett no
