"""The house's construction: settings put an install's files under BANSHI_VAR_DIR, and
``build_house`` hands each house its own resolvers instead of changing a global registry."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

import rbac.explain
from db.engine import transaction
from definitions.shipped import catalog_dir
from house.settings import Settings, load_settings
from house.wiring import build_house
from rbac.explain import TargetError, load_catalog
from rbac.targets import DomainTarget, ItemTarget


def test_the_install_files_default_to_var_in_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("DATABASE_URL", "UPLOAD_DIR", "AUDIT_CHECKPOINT_DIR", "VAR_DIR"):
        monkeypatch.delenv(f"BANSHI_{key}", raising=False)
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.database_url == f"sqlite:///{tmp_path / 'var' / 'banshi.sqlite3'}"
    assert Path(settings.upload_dir) == Path("var/uploads")
    assert Path(settings.audit_checkpoint_dir) == Path("var/checkpoints")
    assert settings.demo_secret_file == Path("var/secret-key")
    assert settings.demo_audit_key_file == Path("var/audit-key.pem")


def test_banshi_var_dir_moves_them_all_and_an_explicit_setting_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("DATABASE_URL", "UPLOAD_DIR", "AUDIT_CHECKPOINT_DIR"):
        monkeypatch.delenv(f"BANSHI_{key}", raising=False)
    var = tmp_path / "state"
    monkeypatch.setenv("BANSHI_VAR_DIR", str(var))
    settings = load_settings()
    assert settings.database_url == f"sqlite:///{var / 'banshi.sqlite3'}"
    assert Path(settings.upload_dir) == var / "uploads"
    assert Path(settings.audit_checkpoint_dir) == var / "checkpoints"
    assert Path(settings.audit_export_dir).parent == var / "checkpoints"
    assert settings.demo_secret_file == var / "secret-key"
    monkeypatch.setenv("BANSHI_UPLOAD_DIR", str(tmp_path / "elsewhere"))
    explicit = Settings(database_url="sqlite:///:memory:")
    assert explicit.database_url == "sqlite:///:memory:"
    assert explicit.upload_dir == str(tmp_path / "elsewhere")
    assert Path(explicit.audit_checkpoint_dir) == var / "checkpoints"


def test_each_house_resolves_targets_with_its_own_resolvers(engine: Engine) -> None:
    assert not hasattr(rbac.explain, "_RESOLVERS")  # no global registry to change
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False))
    first, second = build_house(settings, engine), build_house(settings, engine)
    assert set(first.resolvers) == {"item", "case"}
    assert first.resolvers["case"] is not second.resolvers["case"]  # bound to its catalogue
    code, definition = next(iter(load_catalog(catalog_dir()).items()))
    with first.sessions() as session:
        assert first.resolve_target(session, "county.scjg") == DomainTarget(
            settings.tenant, "county.scjg"
        )
        # item: reads the published catalogue, not the files on disk
        with pytest.raises(TargetError, match="尚未发布"):
            first.resolve_target(session, f"item:{code}")
    with transaction(first.sessions) as session:
        first.catalog.publish(session, settings.tenant, definition, "admin@county")
    with first.sessions() as session:
        item = first.resolve_target(session, f"item:{code}")
        assert isinstance(item, ItemTarget) and item.code == code
        with pytest.raises(TargetError, match="案件 N-404 不存在"):  # runtime's resolver
            first.resolve_target(session, "case:N-404")
        with pytest.raises(TargetError, match="未知前缀 user:"):
            first.resolve_target(session, "user:x")
