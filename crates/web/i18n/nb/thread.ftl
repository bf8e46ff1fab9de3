# Norsk bokmål: thread

thread-title = Den røde tråden
thread-intro = Hele målstrukturen på tvers av planer og enheter: fra visjon og mål til strategier, oppdrag og tiltak. Brudd i tråden er listet nederst, med lenke til stedet der de kan rettes.
thread-filter-sdg = Bærekraftsmål
thread-filter-area = Tjenesteområde
thread-filter-unit = Enhet
thread-filter-plan = Plan
thread-clear = Vis alt
thread-summary = { $count } elementer i målstrukturen.
thread-break-count = { $count } brudd.
thread-per-area = Brudd per tjenesteområde
thread-tree = Målstrukturen
thread-empty = Ingen elementer passer filteret.
thread-breaks = Brudd i den røde tråden
thread-no-breaks = Ingen brudd. Den røde tråden er hel.
thread-break = Brudd
break-no-path = Ingen vei til et mål
break-no-strategy = Mål uten strategi
break-no-measure = Mål uten tiltak
break-no-indicator = Mål uten indikator
break-area = Tjenesteområdet mangler oppdrag eller tiltak
break-orphaned = Kilden er fjernet
thread-children = { $count } under
