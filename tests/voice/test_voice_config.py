"""The configuration picks the voice backend like the printer's; bootstrap wires it to the data
folder without synthesising anything."""

from __future__ import annotations

import stat

import pytest

from kiosk import config
from kiosk.bootstrap import bootstrap, make_speech_from
from kiosk.storage.files import secure_data_dir
from kiosk.voice import EspeakSynthesizer, SimulatedSynthesizer
from printer.simulator import SimulatedPrinter


def test_voice_settings_come_from_the_file_and_the_environment(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text('[voice]\nbackend = "espeak"\nvoice = "cmn"\nrate = 140\n')
    settings = config.load(path, env={"KIOSK_VOICE_TIMEOUT": "4"})
    assert (settings.voice.backend, settings.voice.rate, settings.voice.timeout) == (
        "espeak",
        140,
        4,
    )
    assert config.load(None, env={}).voice.backend == "auto"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"backend": "festival"}, "backend must be"),
        ({"rate": "9000"}, "rate must be"),
        ({"rate": "fast"}, "whole number"),
        ({"timeout": "0"}, "timeout must be"),
        ({"pitch": "50"}, "unknown key"),
    ],
)
def test_voice_settings_that_cannot_work_are_refused(values, message):
    with pytest.raises(config.ConfigError, match=message):
        config.load(None, env={}, voice=values)


def test_each_backend_is_built_by_name(tmp_path):
    def built(backend: str):
        settings = config.load(
            None, env={}, kiosk={"data_dir": str(tmp_path)}, voice={"backend": backend}
        )
        return make_speech_from(settings)

    espeak = built("espeak")
    assert isinstance(espeak.synthesizer, EspeakSynthesizer)
    assert espeak.synthesizer.timeout == 10
    assert isinstance(built("simulator").synthesizer, SimulatedSynthesizer)
    assert built("simulator").folder == tmp_path.resolve() / "speech"


def test_bootstrap_wires_the_voice_and_synthesises_nothing_until_asked(tmp_path):
    settings = config.load(
        None, env={}, kiosk={"data_dir": str(tmp_path)}, voice={"backend": "simulator"}
    )
    runtime = bootstrap(settings, printer=SimulatedPrinter())
    try:
        assert runtime.speech is not None
        assert not (tmp_path / "speech").exists()
        runtime.speech.make("您好", "cmn")
        assert (tmp_path / "speech").is_dir()
    finally:
        runtime.close()


def test_a_speech_folder_left_readable_is_made_private_at_start(tmp_path):
    folder = tmp_path / "speech"
    folder.mkdir(mode=0o755)
    clip = folder / "old.wav"
    clip.write_bytes(b"RIFF")
    clip.chmod(0o644)
    folder.chmod(0o755)
    secure_data_dir(tmp_path, None)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(clip.stat().st_mode) == 0o600
