# English: people

people-title = People
people-new = New person
people-search = Search by name, e-mail or title
people-limited = Showing the first 500. Narrow the search to see more.
people-count = { $count } people
person-name = Name
person-title = Title
person-email = E-mail
person-unit = Unit
person-inactive = Left
person-edit = Edit person
person-active = Currently employed
