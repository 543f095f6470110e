"""nhtz: the analytical data warehouse for the quarterly analysis of China's national high-tech zones."""

__version__ = "0.1.0"
