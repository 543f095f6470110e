"""Writing an output file so that readers only ever see a whole one.

Each file is written to a temporary name in its own folder and renamed over the final name (`os.replace`, atomic
on one file system). When writing fails (a full disk, a folder that went away, no permission) the temporary
file is removed and the failure becomes one line for people (`NhtzError`); the previous version of the file,
if any, stays as it was.
"""

import os
import tempfile
from pathlib import Path
from typing import Callable

from xlsxwriter.exceptions import FileCreateError

from nhtz.errors import NhtzError


def os_error_of(error: BaseException) -> OSError | None:
    """The operating-system error behind a failed write; xlsxwriter wraps it in FileCreateError."""
    if isinstance(error, OSError):
        return error
    if isinstance(error, FileCreateError) and error.args and isinstance(error.args[0], OSError):
        return error.args[0]
    return None


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def make_folder(folder: Path) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise NhtzError(f"cannot create the folder {folder}: {_reason(error)}") from None
    return folder


def write_atomically(target: Path, write: Callable[[Path], object]) -> Path:
    """Call `write(temporary_path)`, then rename the temporary file to `target`."""
    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=target.suffix)
    except OSError as error:
        raise NhtzError(f"cannot write {target}: {_reason(error)}") from None
    os.close(handle)
    temporary = Path(temporary)
    try:
        write(temporary)
        os.chmod(temporary, 0o644)  # mkstemp makes the file private; an output is for readers
        os.replace(temporary, target)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        cause = os_error_of(error)
        if cause is None:
            raise
        raise NhtzError(f"cannot write {target}: {_reason(cause)}; nothing was left behind") from None
    return target
