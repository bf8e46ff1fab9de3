# Norsk bokmål: sdg

sdg-target = Bærekraftsmål { $target }
sdg-adapted-from = Tilpasset fra { $target }
sdg-title = Bærekraftsmålene
sdg-intro = FNs 17 bærekraftsmål, med kommunens prioriterte mål for { $year } først. Tallene viser hvor mange mål, strategier, tiltak og indikatorer i planene som er knyttet til hvert mål.
sdg-prioritised = Prioritert
sdg-elements = { $count } elementer i planene
sdg-matrix = Dekning per tjenesteområde
sdg-matrix-help = Antall elementer i hvert tjenesteområde som bidrar til målet. Null betyr at tjenesteområdet ikke har knyttet noe til målet.
sdg-set-priorities = Velg prioriterte bærekraftsmål for en planperiode
sdg-goal-heading = Bærekraftsmål { $number }
sdg-contributions = Dette bidrar til målet i våre planer
sdg-no-contributions = Ingen elementer i planene er knyttet til dette målet ennå.
sdg-targets = Delmål
sdg-target-code = Nummer
sdg-linked = Koblet
sdg-text-unofficial = uoffisiell oversettelse
sdg-text-english = norsk tekst mangler, engelsk original
sdg-indicators = { $count } globale indikatorer
sdg-correct = Rett ordlyden
sdg-correct-label = Norsk ordlyd for delmål { $code }
sdg-correct-help = Gjelder hele installasjonen. La feltet stå tomt for å gå tilbake til den uoffisielle teksten.
