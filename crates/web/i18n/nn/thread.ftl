# Norsk nynorsk: thread

thread-title = Den raude tråden
thread-intro = Heile målstrukturen på tvers av planar og einingar: frå visjon og mål til strategiar, oppdrag og tiltak. Brot i tråden er lista nedst, med lenkje til staden der dei kan rettast.
thread-filter-sdg = Berekraftsmål
thread-filter-area = Tenesteområde
thread-filter-unit = Eining
thread-filter-plan = Plan
thread-clear = Vis alt
thread-summary = { $count } element i målstrukturen.
thread-break-count = { $count } brot.
thread-per-area = Brot per tenesteområde
thread-tree = Målstrukturen
thread-empty = Ingen element passar filteret.
thread-breaks = Brot i den raude tråden
thread-no-breaks = Ingen brot. Den raude tråden er heil.
thread-break = Brot
break-no-path = Ingen veg til eit mål
break-no-strategy = Mål utan strategi
break-no-measure = Mål utan tiltak
break-no-indicator = Mål utan indikator
break-area = Tenesteområdet manglar oppdrag eller tiltak
break-orphaned = Kjelda er fjerna
thread-children = { $count } under
