"""Use cases: one function per thing a user does.

Each takes the SQLAlchemy session and the acting user as arguments, validates its input,
writes the audit event, and leaves commit/rollback to the caller's unit of work.
"""
