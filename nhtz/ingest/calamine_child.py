"""The child process that reads an .xls, .xlsb or .ods workbook with python-calamine under a memory cap.

    python -m nhtz.ingest.calamine_child SUFFIX MEMORY_BYTES  < workbook bytes  > pickled SourceFile

Exit 0 with the pickled tables on stdout; exit 2 with one line on stderr when the file is refused. An allocation
beyond the cap aborts this process (python-calamine cannot recover from it), which the parent reads as "too large".
"""

import resource
import sys

from nhtz.errors import RefusedFile
from nhtz.ingest.readers import read_with_calamine


def main() -> int:
    suffix, memory_bytes = sys.argv[1], int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, resource.getrlimit(resource.RLIMIT_AS)[1]))
    content = sys.stdin.buffer.read()
    try:
        source = read_with_calamine(content, suffix)
    except RefusedFile as refusal:
        print(refusal, file=sys.stderr)
        return 2
    except MemoryError:
        print(f"too large: the {suffix} workbook does not fit in memory", file=sys.stderr)
        return 2
    import pickle

    sys.stdout.buffer.write(pickle.dumps(source, protocol=pickle.HIGHEST_PROTOCOL))
    return 0


if __name__ == "__main__":
    sys.exit(main())
