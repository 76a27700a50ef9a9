"""Packages for setuptools; everything else about the build is in pyproject.toml."""

from setuptools import find_packages, setup

# The customer fixed `models/` at the top of the repository, beside `pipeline/`. It is shipped
# as the subpackage `pipeline.models`, so installed code finds it with importlib.resources
# and no top-level package called `models` lands in site-packages.
setup(
    packages=[*find_packages(include=["pipeline", "pipeline.*"]), "pipeline.models"],
    package_dir={"pipeline.models": "models"},
)
