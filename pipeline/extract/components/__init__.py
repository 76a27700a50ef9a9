"""spaCy components, one per file; importing this package registers their factories."""

from pipeline.extract.components import (  # noqa: F401 - imported to register factories
    actors,
    amounts,
    casinos,
    countries,
    resolve,
    tags,
    wallets,
)
