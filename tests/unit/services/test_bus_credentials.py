"""NATS credentials in the settings: placeholders refused, passed to the client, never shown."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from faststream.nats.security import NatsUserPassword
from pydantic import ValidationError

from services.adapters.bus.nats import broker_options, mask_url, nats_options
from services.settings import Settings
from spine_core.errors import Unavailable


@pytest.fixture(autouse=True)
def _no_spine_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("SPINE_"):
            monkeypatch.delenv(name)


@pytest.mark.parametrize(
    "url", ["nats://spine:changeme@bus:4222", "nats://a:real-one@n1:4222,nats://spine:Secret@n2:4222"]
)
def test_a_placeholder_password_in_the_nats_url_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="SPINE_NATS_URL uses a placeholder password"):
        Settings(nats_url=url)


def test_a_placeholder_nats_password_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPINE_NATS_PASSWORD", "password")
    with pytest.raises(ValidationError, match="SPINE_NATS_PASSWORD is a placeholder"):
        Settings()


@pytest.mark.parametrize("fields", [{"nats_user": "spine"}, {"nats_password": "r3al-s3cret"}])
def test_a_nats_user_needs_its_password(fields: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="both SPINE_NATS_USER and SPINE_NATS_PASSWORD"):
        Settings(**fields)  # type: ignore[arg-type]


def test_secrets_stay_out_of_the_settings_repr() -> None:
    settings = Settings(nats_url="nats://spine:hunter22@bus:4222", nats_user="u", nats_password="pa55-w0rd-x")
    assert "hunter22" not in repr(settings) and "pa55-w0rd-x" not in repr(settings)


def test_mask_url_hides_every_password_of_a_cluster_url() -> None:
    url = "nats://spine:s3cr3t@n1:4222, nats://spine:s3cr3t@n2:4222,nats://n3:4222"
    assert mask_url(url) == "nats://spine:***@n1:4222,nats://spine:***@n2:4222,nats://n3:4222"
    assert mask_url("nats://127.0.0.1:4222") == "nats://127.0.0.1:4222"


def test_options_split_a_cluster_url_and_carry_user_and_password() -> None:
    settings = Settings(nats_url="nats://n1:4222,nats://n2:4222", nats_user="spine", nats_password="r3al-s3cret")
    options = nats_options(settings)
    assert options == {"servers": ["nats://n1:4222", "nats://n2:4222"], "user": "spine", "password": "r3al-s3cret"}
    security = broker_options(settings)["security"]
    assert isinstance(security, NatsUserPassword)
    assert (security.username, security.password) == ("spine", "r3al-s3cret")


def test_a_bare_url_connects_with_what_it_carries() -> None:
    assert nats_options("nats://spine:pw-x@h:1") == {"servers": ["nats://h:1"], "user": "spine", "password": "pw-x"}
    assert broker_options(Settings(nats_url="nats://h:1"))["security"] is None


def test_credentials_every_url_carries_go_to_the_nodes_a_cluster_announces() -> None:
    # Announced nodes come without credentials: the user must be an option, not part of one URL.
    options = nats_options("nats://spine:p%40ss@n1:4222,nats://spine:p%40ss@n2:4222")
    assert options == {"servers": ["nats://n1:4222", "nats://n2:4222"], "user": "spine", "password": "p@ss"}
    security = broker_options(Settings(nats_url="nats://spine:pw-x@n1:4222,nats://spine:pw-x@n2:4222"))["security"]
    assert isinstance(security, NatsUserPassword) and (security.username, security.password) == ("spine", "pw-x")
    assert nats_options("nats://s3cr3t-token@n1:4222") == {"servers": ["nats://n1:4222"], "token": "s3cr3t-token"}
    assert broker_options(Settings(nats_url="nats://s3cr3t-token@n1:4222"))["token"] == "s3cr3t-token"
    mixed = "nats://a:x@n1:4222,nats://b:y@n2:4222"  # differing users: left as given
    assert nats_options(mixed) == {"servers": ["nats://a:x@n1:4222", "nats://b:y@n2:4222"]}
    settings = Settings(nats_url="nats://spine:from-url@n1:4222", nats_user="other", nats_password="from-settings")
    assert nats_options(settings)["password"] == "from-settings"  # the settings win, as before


def test_a_missing_creds_file_says_which_setting_to_check(tmp_path: Path) -> None:
    with pytest.raises(Unavailable, match="does not exist") as raised:
        nats_options(Settings(nats_url="nats://h:1", nats_creds=tmp_path / "none.creds"))
    assert "SPINE_NATS_CREDS" in (raised.value.hint or "")


def test_no_url_is_unavailable() -> None:
    with pytest.raises(Unavailable, match="no NATS server configured"):
        nats_options(Settings())


def test_spine_dev_summary_masks_the_nats_password_and_names_the_publisher_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from types import SimpleNamespace

    from services.cli.serve import print_stack

    settings = Settings(nats_url="nats://spine:Zx9-secret-pw@127.0.0.1:4222", data_dir=tmp_path)
    nats = SimpleNamespace(publisher_env=tmp_path / "nats" / "publisher.env")
    stack = SimpleNamespace(
        settings=settings, gateway_url="http://127.0.0.1:8000", postgres=None, nats=nats, children={}
    )

    print_stack(stack)

    printed = capsys.readouterr().out
    assert "Zx9-secret-pw" not in printed
    assert "nats://spine:***@127.0.0.1:4222" in printed
    assert "publisher.env" in printed
