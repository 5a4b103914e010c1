"""Window kinds, intents parsing, uid naming: the pure parts of the readers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scriptgen.inspect import uid_from_path
from scriptgen.inspect.fields import normalise_ra
from scriptgen.inspect.spectral import classify_window, signed_width
from scriptgen.inspect.states import parse_obs_mode
from scriptgen.model import SpwKind

MHZ = 1e6


@pytest.mark.parametrize(
    "name, nchan, width, bandwidth, centre, kind",
    [
        ("WVR#NOMINAL", 4, 1.5e9, 7.5e9, 183.3e9, SpwKind.WVR),
        ("WVR#Antenna", 4, 1.5e9, 7.5e9, 183.3e9, SpwKind.WVR),
        ("", 4, 1.5e9, 7.5e9, 183.3e9, SpwKind.WVR),
        ("ALMA_RB_03#BB_1#SW-01#CH_AVG", 1, 1.875e9, 1.875e9, 90e9, SpwKind.CH_AVG),
        ("ALMA_RB_03#BB_1#SQLD", 1, 2e9, 2e9, 90e9, SpwKind.SQLD),
        ("ALMA_RB_03#BB_1#SW-01#FULL_RES", 128, 15.625 * MHZ, 2e9, 90e9, SpwKind.TDM),
        ("ALMA_RB_03#BB_1#SW-01#FULL_RES", 64, -31.25 * MHZ, 2e9, 90e9, SpwKind.TDM),
        ("ALMA_RB_03#BB_1#SW-01#FULL_RES", 256, 7.8125 * MHZ, 2e9, 90e9, SpwKind.TDM),
        ("ALMA_RB_03#BB_1#SW-01#FULL_RES", 7680, 0.244 * MHZ, 1.875e9, 90e9, SpwKind.FDM),
        ("ALMA_RB_03#BB_1#SW-01#FULL_RES", 64, -3.66 * MHZ, 234.375 * MHZ, 90e9, SpwKind.FDM),
        # FDM averaged x16 on line: TDM-like channels but not the full 2 GHz.
        ("ALMA_RB_03#BB_1#SW-01#FULL_RES", 240, 7.8125 * MHZ, 1.875e9, 90e9, SpwKind.FDM),
        # A one-channel FULL_RES window is still a correlator window.
        ("ALMA_RB_03#BB_1#SW-01#FULL_RES", 1, 2e9, 2e9, 90e9, SpwKind.TDM),
        ("", 1, 2e9, 2e9, 90e9, SpwKind.CH_AVG),
        ("", 3840, 0.488 * MHZ, 1.875e9, 230e9, SpwKind.FDM),
    ],
)
def test_classify_window(name, nchan, width, bandwidth, centre, kind):
    assert classify_window(name, nchan, width, bandwidth, centre) is kind


def test_signed_width_follows_the_frequency_axis():
    falling = np.array([3.0, 2.0, 1.0])
    assert signed_width(falling, np.array([1.0, 1.0, 1.0])) == -1.0
    assert signed_width(np.array([5.0]), np.array([-2.0])) == -2.0


def test_parse_obs_mode():
    assert parse_obs_mode("CALIBRATE_PHASE#ON_SOURCE,CALIBRATE_WVR#ON_SOURCE") == (
        "CALIBRATE_PHASE",
        "CALIBRATE_WVR",
    )
    assert parse_obs_mode("OBSERVE_TARGET#ON_SOURCE,OBSERVE_TARGET#OFF_SOURCE") == ("OBSERVE_TARGET",)
    assert parse_obs_mode("") == ()


@pytest.mark.parametrize(
    "name, uid",
    [
        ("uid___A002_X1_X2.ms", "uid___A002_X1_X2"),
        ("uid___A002_X1_X2.ms.split.cal", "uid___A002_X1_X2"),
        ("calibrated.ms", "calibrated"),
        ("mydata", "mydata"),
    ],
)
def test_uid_from_path(name, uid):
    assert uid_from_path(Path("/data") / name) == uid


def test_normalise_ra():
    assert normalise_ra(-np.pi / 2) == pytest.approx(1.5 * np.pi)
    assert normalise_ra(1.0) == 1.0
