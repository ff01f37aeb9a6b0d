"""Errors raised while opening, upgrading or backing up a database; each message is one line a
person can act on."""

from __future__ import annotations


class DatabaseProblem(Exception):
    """The database cannot be used as it is; the message says why and what to do."""


class NewerDatabaseError(DatabaseProblem):
    pass


class UnusableDatabaseError(DatabaseProblem):
    pass


class MigrationFailed(DatabaseProblem):
    pass
