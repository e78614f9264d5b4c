from sqlalchemy import Engine, text


def test_engine_is_migrated_and_usable(engine: Engine) -> None:
    with engine.connect() as c:
        assert c.execute(text("SELECT 1")).scalar_one() == 1
        version = c.execute(text("SELECT count(*) FROM alembic_version")).scalar_one()
    assert version in (0, 1)
