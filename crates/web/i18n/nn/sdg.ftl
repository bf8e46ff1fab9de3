# Norsk nynorsk: sdg

sdg-target = Berekraftsmål { $target }
sdg-adapted-from = Tilpassa frå { $target }
sdg-title = Berekraftsmåla
sdg-intro = FNs 17 berekraftsmål, med dei prioriterte måla til kommunen for { $year } først. Tala viser kor mange mål, strategiar, tiltak og indikatorar i planane som er knytte til kvart mål.
sdg-prioritised = Prioritert
sdg-elements = { $count } element i planane
sdg-matrix = Dekning per tenesteområde
sdg-matrix-help = Talet på element i kvart tenesteområde som bidreg til målet. Null tyder at tenesteområdet ikkje har knytt noko til målet.
sdg-set-priorities = Vel prioriterte berekraftsmål for ein planperiode
sdg-goal-heading = Berekraftsmål { $number }
sdg-contributions = Dette bidreg til målet i planane våre
sdg-no-contributions = Ingen element i planane er knytte til dette målet enno.
sdg-targets = Delmål
sdg-target-code = Nummer
sdg-linked = Kopla
sdg-text-unofficial = uoffisiell omsetjing på bokmål
sdg-text-english = norsk tekst manglar, engelsk original
sdg-indicators = { $count } globale indikatorar
sdg-correct = Rett ordlyden
sdg-correct-label = Norsk ordlyd for delmål { $code }
sdg-correct-help = Gjeld heile installasjonen. La feltet stå tomt for å gå tilbake til den uoffisielle teksten.
