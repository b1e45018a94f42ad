"""Stage 5 in the manifest: the central config store and the secret store switched on,
nothing else changed."""

from __future__ import annotations

from strangler.stages.manifest import STAGES, get_stage

SECRETS_INIT = ("{python}", "-m", "strangler", "secrets", "init")


def test_stage_5_turns_the_stores_on_seeds_the_secrets_first_and_pushes_the_folder_last() -> None:
    stage = get_stage(5)
    before = STAGES[STAGES.index(stage) - 1]
    assert stage.tag == "stage-5-identity"
    assert stage.processes == before.processes
    assert stage.routes == before.routes
    assert stage.settings_env == {
        **before.settings_env,
        "CONFIG_STORE": "on",
        "SECRET_STORE": "on",
    }
    assert stage.setup[0] == SECRETS_INIT  # the Django commands after it read SECRET_KEY there
    assert stage.setup[-1] == ("{python}", "-m", "strangler", "config", "sync")
    assert stage.setup[1 : 1 + len(before.setup)] == before.setup


def test_no_stage_before_5_reads_a_config_store_or_a_secret_store() -> None:
    for stage in STAGES:
        if stage.number < 5:
            assert "CONFIG_STORE" not in stage.settings_env
            assert "SECRET_STORE" not in stage.settings_env
            assert SECRETS_INIT not in stage.setup
