# English: public

public-page = Public page
public-page-link = See the plan as citizens see it
public-title = Plans of { $municipality }
public-intro = Adopted plans, with goals, strategies and measures.
public-none = No plans are published yet.
public-adopted = Adopted
public-goal-structure = Goals and measures
public-under-revision = The plan is under revision. This is the last adopted version.
