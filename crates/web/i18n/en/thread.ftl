# English: thread

thread-title = The red thread
thread-intro = The whole goal structure across plans and units: from vision and goals to strategies, assignments and measures. Breaks in the thread are listed at the bottom, with a link to where they can be fixed.
thread-filter-sdg = SDG
thread-filter-area = Service area
thread-filter-unit = Unit
thread-filter-plan = Plan
thread-clear = Show everything
thread-summary = { $count } elements in the goal structure.
thread-break-count = { $count } breaks.
thread-per-area = Breaks per service area
thread-tree = The goal structure
thread-empty = No elements match the filter.
thread-breaks = Breaks in the red thread
thread-no-breaks = No breaks. The red thread is whole.
thread-break = Break
break-no-path = No path to a goal
break-no-strategy = Goal without a strategy
break-no-measure = Goal without a measure
break-no-indicator = Goal without an indicator
break-area = Service area lacks an assignment or measure
break-orphaned = Source removed
thread-children = { $count } below
