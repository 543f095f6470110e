"""Progress for people: every library function takes `say`, a callable that shows one line (the command line
prints to stderr, Dagster logs it). `quiet` is the `say` of a caller that wants no progress lines."""


def quiet(_: str) -> None:
    pass
