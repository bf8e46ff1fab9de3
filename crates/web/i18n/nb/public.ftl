# Norsk bokmål: public

public-page = Offentlig side
public-page-link = Se planen slik innbyggerne ser den
public-title = Planer for { $municipality }
public-intro = Vedtatte planer, med mål, strategier og tiltak.
public-none = Ingen planer er publisert ennå.
public-adopted = Vedtatt
public-goal-structure = Mål og tiltak
public-under-revision = Planen er under revisjon. Her vises sist vedtatte versjon.
