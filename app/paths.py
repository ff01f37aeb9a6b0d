"""Where Packbench keeps its data: --data-dir, else PACKBENCH_HOME, else the user data dir."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

DB_FILENAME = "packbench.sqlite3"


@dataclass(frozen=True, slots=True)
class Paths:
    data_dir: Path
    db_url: str
    backups: Path
    exports: Path
    logs: Path

    @property
    def db_file(self) -> Path | None:
        """The SQLite file when the database is the embedded one, else None."""
        prefix = "sqlite:///"
        if self.db_url.startswith(prefix) and self.db_url != "sqlite:///:memory:":
            return Path(self.db_url[len(prefix) :])
        return None

    def ensure(self) -> None:
        for folder in (self.data_dir, self.backups, self.exports, self.logs):
            folder.mkdir(parents=True, exist_ok=True)


def resolve_paths(
    data_dir: str | os.PathLike | None = None,
    db_url: str | None = None,
    env: dict[str, str] | None = None,
) -> Paths:
    """Resolve folders and the database URL from arguments, then environment, then defaults."""
    env = os.environ if env is None else env
    if data_dir:
        base = Path(data_dir)
    elif env.get("PACKBENCH_HOME"):
        base = Path(env["PACKBENCH_HOME"])
    else:
        base = Path(platformdirs.user_data_dir("Packbench", appauthor=False))
    base = base.expanduser().resolve()
    url = db_url or env.get("PACKBENCH_DB_URL") or f"sqlite:///{base / DB_FILENAME}"
    return Paths(
        data_dir=base,
        db_url=url,
        backups=base / "backups",
        exports=base / "exports",
        logs=base / "logs",
    )
