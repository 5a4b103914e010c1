"""File names of everything the emitted scripts create, in one place.

The calibration script writes these tables, the flux-equalisation script
reads their fluxscale results, scriptForPI copies them from the delivery's
``calibration/`` folder, and the packager collects them; one definition keeps
the four in step. Names follow ALMA's manual-calibration conventions
(``<EB>.ms.split.cal``), so analysts recognise them.

All functions take the EB's MS name (``uid___A002_X1_X2.ms``) and return
names relative to the working folder.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The calibrated data of one EB, as delivered.
SPLIT_CAL_SUFFIX = ".split.cal"


def ms_name(uid: str) -> str:
    return f"{uid}.ms"


def calibration_script(ms: str) -> str:
    return f"{ms}.scriptForCalibration.py"


def snapshot_file(ms: str) -> str:
    """The EB snapshot (JSON) that a generation used, written beside the scripts."""
    return f"{ms}.snapshot.json"


FLUX_SCRIPT = "scriptForFluxCalibration.py"
PI_SCRIPT = "scriptForPI.py"
IMAGING_SCRIPT = "scriptForImaging.py"
#: Per-spw phase-calibrator fluxes of every EB and their average.
FLUX_CSV = "allFluxes.csv"
#: Every EB's calibrated data together (what the flux script or scriptForPI makes).
CALIBRATED_MS = "calibrated.ms"
#: The science targets of ``calibrated.ms`` (scriptForPI with DOSPLIT).
CALIBRATED_FINAL_MS = "calibrated_final.ms"


@dataclass(frozen=True)
class CalTables:
    """The tables and files one EB's calibration script produces.

    ``delivered`` lists what scriptForPI needs to re-apply the calibration
    without re-solving (it finds them in ``calibration/``).
    """

    ms: str

    @property
    def tsys(self) -> str:
        return f"{self.ms}.tsys"

    @property
    def wvr(self) -> str:
        return f"{self.ms}.wvr"

    @property
    def antpos(self) -> str:
        return f"{self.ms}.antpos"

    @property
    def antpos_json(self) -> str:
        """The antenna positions (getantposalma's JSON) the antpos table was made from;
        delivered so that scriptForPI never needs the network."""
        return f"{self.ms}.antpos.json"

    @property
    def listobs(self) -> str:
        return f"{self.ms}.listobs"

    @property
    def split(self) -> str:
        """The science windows after the a-priori calibration."""
        return f"{self.ms}.split"

    @property
    def bandpass_phase(self) -> str:
        return f"{self.split}.ap_pre_bandpass"

    @property
    def bandpass(self) -> str:
        return f"{self.split}.bandpass"

    @property
    def phase_int(self) -> str:
        """Phase per integration: applied to the calibrators themselves, so delivered."""
        return f"{self.split}.phase_int"

    @property
    def phase_inf(self) -> str:
        return f"{self.split}.phase_inf"

    @property
    def ampli_inf(self) -> str:
        return f"{self.split}.ampli_inf"

    @property
    def flux_inf(self) -> str:
        """Amplitude gains after fluxscale: what applycal uses."""
        return f"{self.split}.flux_inf"

    @property
    def fluxscale_results(self) -> str:
        """fluxscale's returned dictionary, saved as JSON for flux equalisation."""
        return f"{self.split}.fluxscale.json"

    @property
    def flux_equalised(self) -> str:
        """Amplitude corrections to the goal's average flux (flux script)."""
        return f"{self.split_cal}.flux_equalised"

    @property
    def split_cal(self) -> str:
        return f"{self.ms}{SPLIT_CAL_SUFFIX}"

    @property
    def flag_template(self) -> str:
        """The analyst's flags (flagdata list mode), applied by the calibration
        script's analyst-flags step; ``scriptgen review`` proposes lines for it."""
        return f"{self.ms}.flagtemplate.txt"

    @property
    def spw_phase(self) -> str:
        """Per-window phase offsets on the bandpass calibrator, applied before
        solutions that combine windows (only for weak calibrators)."""
        return f"{self.split}.spw_phase"

    @property
    def delivered(self) -> tuple[str, ...]:
        return (
            self.tsys,
            self.wvr,
            self.antpos,
            self.antpos_json,
            self.bandpass,
            self.phase_int,
            self.phase_inf,
            self.flux_inf,
            self.fluxscale_results,
            self.flag_template,
        )


# --- Imaging (scriptForImaging.py) -------------------------------------------

#: Continuum (line-free) channel ranges the imaging script uses; the analyst
#: edits it and passes it back with ``scriptgen imaging --cont-ranges``.
CONT_RANGES = "cont.dat"


def safe_stem(name: str) -> str:
    """A source or field name made safe as part of a file name.

    Keeps letters, digits and ``+-._``; everything else (spaces, slashes,
    quotes) becomes ``_``, so an image name can never escape its folder.
    """
    cleaned = "".join(c if c.isalnum() or c in "+-._" else "_" for c in name.strip())
    return cleaned.strip(".") or "field"


def contsub_ms(split_cal: str) -> str:
    """The continuum-subtracted target data uvcontsub writes."""
    return f"{split_cal}.contsub"


def continuum_image(source: str) -> str:
    """tclean imagename of a target's continuum image."""
    return f"{safe_stem(source)}.cont"


def cube_image(source: str, spw_id: int) -> str:
    """tclean imagename of a target's line cube in one window."""
    return f"{safe_stem(source)}.spw{spw_id}.cube"


def calibrator_image(field: str, role: str) -> str:
    """tclean imagename of a calibrator image made for QA."""
    return f"{safe_stem(field)}.{role}.cal"


def point_source_image(eb: str, field: str, role: str) -> str:
    """tclean imagename of a check source's or phase calibrator's QA image of one EB."""
    return f"{safe_stem(eb)}.{safe_stem(field)}.{role}"
