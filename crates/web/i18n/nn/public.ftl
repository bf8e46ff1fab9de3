# Norsk nynorsk: public

public-page = Open side
public-page-link = Sjå planen slik innbyggjarane ser han
public-title = Planar for { $municipality }
public-intro = Vedtekne planar, med mål, strategiar og tiltak.
public-none = Ingen planar er publiserte enno.
public-adopted = Vedteken
public-goal-structure = Mål og tiltak
public-under-revision = Planen er under revisjon. Her blir sist vedtekne versjon vist.
