# English: users

users-title = Users and roles
users-new = New user
users-count = { $count } users
users-status = Status
users-active = Active
users-inactive = Deactivated
users-email-fixed = The e-mail address is the login name and cannot be changed.
users-person = Person in the organisation
users-person-help = Links the user to a person, so leader rights and own unit follow the position.
users-no-person = None (e.g. a politician or auditor)
users-password = First password
users-password-help = At least 10 characters. Ask the user to change it under “My profile”.
users-can-login = Can log in
