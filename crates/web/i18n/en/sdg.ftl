# English: sdg

sdg-target = SDG { $target }
sdg-adapted-from = Adapted from { $target }
sdg-title = The Sustainable Development Goals
sdg-intro = The UN's 17 goals, with the municipality's prioritised goals for { $year } first. The numbers show how many goals, strategies, measures and indicators in the plans are linked to each goal.
sdg-prioritised = Prioritised
sdg-elements = { $count } elements in the plans
sdg-matrix = Coverage per service area
sdg-matrix-help = Number of elements in each service area that contribute to the goal. Zero means the service area has linked nothing to the goal.
sdg-set-priorities = Choose prioritised SDGs for a planning period
sdg-goal-heading = SDG { $number }
sdg-contributions = What contributes to this goal in our plans
sdg-no-contributions = No elements in the plans are linked to this goal yet.
sdg-targets = Targets
sdg-target-code = Number
sdg-linked = Linked
sdg-text-unofficial = unofficial translation
sdg-text-english = English original
sdg-indicators = { $count } global indicators
sdg-correct = Correct the wording
sdg-correct-label = Norwegian wording of target { $code }
sdg-correct-help = Applies to the whole installation. Leave empty to go back to the unofficial text.
