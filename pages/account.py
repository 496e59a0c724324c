"""Il mio account: change one's own password."""
from components.account import change_password_form

change_password_form()
