"""The unit of work: one database transaction that rolls back unless committed."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.db.engine import readonly, storage_problem
from core.domain.errors import DomainError, StorageUnavailable


class UnitOfWork:
    """Open a session in one transaction; call commit() to keep the work."""

    def __init__(self, engine: Engine, *, write: bool = True) -> None:
        self._engine = engine if write else readonly(engine)
        self._after_commit: list[Callable[[], None]] = []
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = Session(self._engine, expire_on_commit=False, autoflush=True)
        self.session.begin()
        return self

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        try:
            self.rollback()
        finally:
            self.session.close()
        # A write the disk refused (full, read-only) is told as what it is, with its reason,
        # to every caller alike: the API, the admin screen, the camera, the command line.
        if exc is not None and not isinstance(exc, DomainError) and storage_problem(exc):
            raise StorageUnavailable() from exc

    def commit(self) -> None:
        """Commit the transaction and run what was deferred until after it."""
        self.session.commit()
        hooks, self._after_commit = self._after_commit, []
        for hook in hooks:
            hook()

    def rollback(self) -> None:
        """Throw away everything not yet committed."""
        self.session.rollback()
        self._after_commit.clear()

    def after_commit(self, hook: Callable[[], None]) -> None:
        """Run hook once the transaction has committed (never if it rolls back)."""
        self._after_commit.append(hook)
