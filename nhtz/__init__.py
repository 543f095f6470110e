"""nhtz: the analytical data warehouse for the quarterly analysis of China's national high-tech zones."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nhtz")  # the installed package's metadata: one version, set in pyproject.toml
except PackageNotFoundError:  # a checkout used without `pip install -e .`
    __version__ = "0+unknown"
