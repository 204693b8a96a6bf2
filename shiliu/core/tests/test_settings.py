"""Production settings fail fast without their variables and pass Django's deploy checks."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _manage(*args, **env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("SHILIU_", "DATABASE_URL"))}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120
    )


def test_production_without_secret_key_refuses_to_start(tmp_path):
    result = _manage("check", SHILIU_ENV="production", SHILIU_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SHILIU_SECRET_KEY" in result.stderr


def test_production_settings_pass_check_deploy(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SHILIU_ENV="production",
        SHILIU_SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        SHILIU_ALLOWED_HOSTS="shiliu.example.gov.cn",
        SHILIU_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
