"""The public side's tests use the web fixtures (tests/web/conftest.py); on PostgreSQL
its tables are emptied after each test there, with every other web test's."""
