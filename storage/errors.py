"""The ways an action can fail, each carrying one sentence for the person at the terminal."""


class _Sentence(Exception):
    """A failure told in one sentence (`message`), which is also what `str()` gives."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class Refused(_Sentence):
    """The action was refused by a rule of the domain; nothing was changed."""


class NotFound(Refused):
    """A reference (contract, line, case, customer, template) does not exist."""


class InvalidInput(Refused):
    """A value typed by the user cannot be understood (a date, a duration, a number)."""


class PermissionRefused(Refused):
    """The login running `contracts` lacks the role the action needs."""


class NeedsConfirmation(Refused):
    """The action has a consequence the user must confirm (`--yes`); nothing was changed."""


class Conflict(Refused):
    """Someone else changed the record since it was read."""


class DatabaseUnavailable(_Sentence):
    """The database cannot be opened, reached or written (exit code 3)."""
