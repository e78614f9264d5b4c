"""The house's construction, below web/ and the command line: settings from the environment
(settings.py, with the networks they name in networks.py) and the one
``build_house(settings)`` (wiring.py) that every command and ``create_app`` use. web/ and
banshi/ import it; it imports db, definitions, rbac and runtime, never web or the CLI.
Packaged files (catalogue, templates, static files, front-end packages, migrations) are
found through ``importlib.resources`` (``definitions.shipped.package_path``); what an
install writes lives under ``BANSHI_VAR_DIR``."""
