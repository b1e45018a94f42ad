"""Stage 5 in the manifest: the central config store switched on, nothing else changed."""

from __future__ import annotations

from strangler.stages.manifest import STAGES, get_stage


def test_stage_5_turns_the_config_store_on_and_pushes_the_folder_first() -> None:
    stage = get_stage(5)
    before = STAGES[STAGES.index(stage) - 1]
    assert stage.tag == "stage-5-identity"
    assert stage.processes == before.processes
    assert stage.routes == before.routes
    assert stage.settings_env == {**before.settings_env, "CONFIG_STORE": "on"}
    assert stage.setup[-1] == ("{python}", "-m", "strangler", "config", "sync")
    assert stage.setup[: len(before.setup)] == before.setup


def test_no_stage_before_5_reads_a_config_store() -> None:
    for stage in STAGES:
        if stage.number < 5:
            assert "CONFIG_STORE" not in stage.settings_env
